// One call through a raw grpc-js client (identity serializers: bytes in, bytes out), ended by
// the server's status or by our own timer at deadline + margin (a hang).
import {
  Client,
  Metadata,
  status,
  type ClientDuplexStream,
  type ClientReadableStream,
  type ServiceError,
} from '@grpc/grpc-js';
import type { FuzzMethod } from './protos';

export interface CallOutcome {
  /** gRPC status code; undefined when the call hung. */
  code?: number;
  details: string;
  /** First response message, if any. */
  first?: Buffer;
  hung: boolean;
}

const identity = (b: Buffer): Buffer => b;

/** Streams are cut after this many messages: the fuzzer wants the first answers, not a whole epoch. */
const STREAM_MESSAGES = 1;

export function rawCall(
  client: Client,
  m: FuzzMethod,
  messages: Buffer[],
  md: Metadata,
  deadlineMs: number,
  marginMs: number,
): Promise<CallOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    let first: Buffer | undefined;
    const done = (o: CallOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...o, first: o.first ?? first });
    };
    const deadline = Date.now() + deadlineMs;
    const path = `/${m.path}`;
    let cancel = () => {};
    const timer = setTimeout(() => {
      done({ details: `no status after ${deadlineMs + marginMs} ms`, hung: true });
      cancel();
    }, deadlineMs + marginMs);
    const onStatus = (s: { code: number; details: string }) =>
      done({ code: s.code, details: s.details, hung: false });
    if (!m.requestStream && !m.responseStream) {
      const call = client.makeUnaryRequest(
        path,
        identity,
        identity,
        messages[0],
        md,
        { deadline },
        (err: ServiceError | null, res?: Buffer) =>
          err
            ? done({ code: err.code, details: err.details, hung: false })
            : done({ code: status.OK, details: '', first: res, hung: false }),
      );
      cancel = () => call.cancel();
      return;
    }
    let stream: ClientReadableStream<Buffer> | ClientDuplexStream<Buffer, Buffer>;
    if (m.requestStream) {
      const duplex = client.makeBidiStreamRequest(path, identity, identity, md, { deadline });
      for (const b of messages) duplex.write(b);
      duplex.end();
      stream = duplex;
    } else
      stream = client.makeServerStreamRequest(path, identity, identity, messages[0], md, {
        deadline,
      });
    cancel = () => stream.cancel();
    let seen = 0;
    stream.on('data', (b: Buffer) => {
      first ??= b;
      if (++seen >= STREAM_MESSAGES) {
        // Enough answers: count the call as answered, then cut it.
        done({ code: status.OK, details: `stream cut after ${seen} messages`, hung: false });
        stream.cancel();
      }
    });
    stream.on('status', onStatus);
    stream.on('error', (e: ServiceError) =>
      done({ code: e.code, details: e.details, hung: false }),
    );
  });
}
