// A boundary-extractor on 127.0.0.1:0 with a client, and every batch of one Stream call: what
// this app's tests start with.
import { makeClient, silentLogger, startServer, type RunningServer } from '@abd/grpc-kit';
import { boundaryExtractor } from '@abd/proto';
import {
  boundaryExtractorService,
  type BoundaryExtractorOptions,
} from '../boundary-extractor.service';

export interface ExtractorTestServer {
  server: RunningServer;
  client: boundaryExtractor.BoundaryExtractorClient;
  /** Closes the client and shuts the server down. */
  close(): Promise<void>;
}

export async function startExtractorTestServer(
  o: Omit<BoundaryExtractorOptions, 'log'>,
): Promise<ExtractorTestServer> {
  const server = await startServer({
    port: 0,
    host: '127.0.0.1',
    services: [boundaryExtractorService({ ...o, log: silentLogger })],
    log: silentLogger,
    auth: null,
    tls: null,
  });
  const client = makeClient(boundaryExtractor.BoundaryExtractorClient, `127.0.0.1:${server.port}`);
  return {
    server,
    client,
    close: async () => {
      client.close();
      await server.shutdown(200);
    },
  };
}

/** Every batch of one Stream call; rejects with the call's error. */
export function streamAll(
  client: boundaryExtractor.BoundaryExtractorClient,
  req: boundaryExtractor.StreamRequest,
): Promise<boundaryExtractor.Batch[]> {
  return new Promise((res, rej) => {
    const out: boundaryExtractor.Batch[] = [];
    const s = client.stream(req);
    s.on('data', (b: boundaryExtractor.Batch) => out.push(b));
    s.on('error', rej);
    s.on('end', () => res(out));
  });
}
