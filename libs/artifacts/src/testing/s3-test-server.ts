import { mkdtemp, rm } from 'node:fs/promises';
import {
  type IncomingMessage,
  type Server,
  type ServerResponse,
  createServer,
  request,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// s3rver ships no types; this is the part of its API we use.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require('@20minutes/s3rver') as new (options: Record<string, unknown>) => {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
};

/** s3rver's built-in account; it checks SigV4 signatures against this key pair. */
export const S3RVER_KEY = 'S3RVER';

export interface RecordedRequest {
  method: string;
  url: string;
}

/** A real S3-speaking server for tests: s3rver behind a small recording proxy. */
export interface S3TestServer {
  /** 'http://127.0.0.1:<proxy port>' */
  endpoint: string;
  accessKey: string;
  secretKey: string;
  /** Every request the proxy saw, in order. */
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/**
 * Starts s3rver on 127.0.0.1:0 with its data in a temp dir, and a proxy in front of it that
 * passes requests through untouched (so signatures still verify) except two s3rver lacks:
 * ListMultipartUploads (`GET /bucket?uploads`, answered with an empty list) and
 * AbortMultipartUpload (`DELETE /bucket/key?uploadId=…`, answered 204 and recorded).
 */
export async function startS3TestServer(): Promise<S3TestServer> {
  const dir = await mkdtemp(join(tmpdir(), 'abd-s3rver-'));
  const s3 = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: dir,
    vhostBuckets: false,
    resetOnClose: false,
  });
  const backend = await s3.run();
  const requests: RecordedRequest[] = [];
  const proxy = createServer((req, res) => forward(req, res, backend.port, requests));
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const { port } = proxy.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    accessKey: S3RVER_KEY,
    secretKey: S3RVER_KEY,
    requests,
    close: async () => {
      await closeServer(proxy);
      await s3.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function forward(
  req: IncomingMessage,
  res: ServerResponse,
  port: number,
  log: RecordedRequest[],
): void {
  const method = req.method ?? 'GET';
  const url = req.url ?? '/';
  log.push({ method, url });
  const query = new URL(url, 'http://x').searchParams;
  if (method === 'GET' && query.has('uploads')) {
    const bucket = url.split('?')[0]?.split('/')[1] ?? '';
    res.writeHead(200, { 'content-type': 'application/xml' });
    res.end(
      '<?xml version="1.0" encoding="UTF-8"?>\n' +
        '<ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
        `<Bucket>${bucket}</Bucket><KeyMarker></KeyMarker><UploadIdMarker></UploadIdMarker>` +
        '<MaxUploads>1000</MaxUploads><IsTruncated>false</IsTruncated></ListMultipartUploadsResult>',
    );
    req.resume();
    return;
  }
  if (method === 'DELETE' && query.has('uploadId')) {
    res.writeHead(204);
    res.end();
    req.resume();
    return;
  }
  const upstream = request(
    { host: '127.0.0.1', port, method, path: url, headers: req.headers },
    (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    },
  );
  upstream.on('error', () => res.destroy());
  req.on('aborted', () => upstream.destroy());
  req.pipe(upstream);
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
}
