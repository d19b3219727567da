// A teacher-inference server on 127.0.0.1:0 over the service fixture's store, with a client and
// the fixture's first training images in batches: what most of this app's tests start with.
import { loadDataset } from '@abd/data';
import { makeClient, silentLogger, startServer, type RunningServer } from '@abd/grpc-kit';
import { teacherInference } from '@abd/proto';
import { serviceFixture, type ServiceFixture } from '@abd/train/testing';
import {
  teacherInferenceService,
  type TeacherInferenceOptions,
} from '../teacher-inference.service';
import { consecutiveBatches } from './infer-request';

export interface TeacherTestServer {
  fx: ServiceFixture;
  server: RunningServer;
  client: teacherInference.TeacherInferenceClient;
  /** `count` batches of `size` consecutive training images of the fixture. */
  batches: { images: Uint8Array; n: number }[];
  close(): Promise<void>;
}

export async function startTeacherTestServer(o: {
  service?: Omit<TeacherInferenceOptions, 'store' | 'log'>;
  maxMessageBytes?: number;
  batches: { count: number; size: number };
}): Promise<TeacherTestServer> {
  const fx = await serviceFixture();
  const server = await startServer({
    port: 0,
    host: '127.0.0.1',
    services: [teacherInferenceService({ store: fx.store, log: silentLogger, ...o.service })],
    log: silentLogger,
    auth: null,
    tls: null,
    maxMessageBytes: o.maxMessageBytes,
  });
  const client = makeClient(
    teacherInference.TeacherInferenceClient,
    `127.0.0.1:${server.port}`,
    o.maxMessageBytes ? { maxMessageBytes: 4 * o.maxMessageBytes } : {},
  );
  const train = await loadDataset('fashion-mnist', 'train', { dir: fx.dataDir });
  return {
    fx,
    server,
    client,
    batches: consecutiveBatches(train, o.batches.count, o.batches.size),
    close: async () => {
      client.close();
      await server.shutdown(500);
      fx.cleanup();
    },
  };
}
