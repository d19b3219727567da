import type {
  handleBidiStreamingCall,
  handleServerStreamingCall,
  handleUnaryCall,
  ServerErrorResponse,
  ServerWritableStream,
} from '@grpc/grpc-js';
import { callContext, type CallContext } from './call-context';
import { toGrpcStatus } from './errors';
import { jsonLogger, type Logger } from './logger';
import { readRequests } from './request-queue';

export type UnaryHandler<Req, Res> = (request: Req, ctx: CallContext) => Promise<Res> | Res;
export type ServerStreamHandler<Req, Res> = (request: Req, ctx: CallContext) => AsyncIterable<Res>;
export type BidiHandler<Req, Res> = (
  requests: AsyncIterable<Req>,
  ctx: CallContext,
) => AsyncIterable<Res>;

export interface HandlerOptions {
  /** Where unexpected errors are logged (default: JSON lines on stderr). */
  log?: Logger;
}

function serviceError(err: unknown, log: Logger, method: string): ServerErrorResponse {
  const s = toGrpcStatus(err, log, method);
  return Object.assign(new Error(s.details), { code: s.code, details: s.details });
}

// Resolves when the stream can take more, or the call is over (then writing stops anyway).
function drained(call: ServerWritableStream<unknown, unknown>, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const finish = (): void => {
      call.removeListener('drain', finish);
      call.removeListener('close', finish);
      signal.removeEventListener('abort', finish);
      resolve();
    };
    call.once('drain', finish);
    call.once('close', finish);
    signal.addEventListener('abort', finish, { once: true });
  });
}

/**
 * Writes `source` to a server-streaming call with back-pressure and ends it with the mapped
 * status. Stops pulling from `source` as soon as the call is cancelled or past its deadline;
 * leaving the for-await calls the generator's `return()`, so its `finally` blocks run.
 */
async function pump<Res>(
  call: ServerWritableStream<unknown, Res>,
  source: () => AsyncIterable<Res>,
  ctx: CallContext,
  log: Logger,
): Promise<void> {
  try {
    for await (const msg of source()) {
      if (ctx.signal.aborted) break;
      if (!call.write(msg))
        await drained(call as ServerWritableStream<unknown, unknown>, ctx.signal);
      if (ctx.signal.aborted) break;
    }
    if (!ctx.signal.aborted) call.end();
  } catch (err) {
    // After a cancel the client is gone; a status would go nowhere.
    if (!ctx.signal.aborted) call.emit('error', serviceError(err, log, ctx.method));
  }
}

/** Wraps a unary handler: error mapping, deadline/cancel signal. */
export function unary<Req, Res>(
  handler: UnaryHandler<Req, Res>,
  options: HandlerOptions = {},
): handleUnaryCall<Req, Res> {
  const log = options.log ?? jsonLogger();
  return (call, callback) => {
    const { ctx, done } = callContext(call);
    Promise.resolve()
      .then(() => handler(call.request, ctx))
      .then(
        (res) => {
          done();
          callback(null, res);
        },
        (err: unknown) => {
          done();
          callback(serviceError(err, log, ctx.method));
        },
      );
  };
}

/** Wraps a server-streaming handler (an async generator of responses). */
export function serverStream<Req, Res>(
  handler: ServerStreamHandler<Req, Res>,
  options: HandlerOptions = {},
): handleServerStreamingCall<Req, Res> {
  const log = options.log ?? jsonLogger();
  return (call) => {
    const { ctx, done } = callContext(call);
    void pump(call, () => handler(call.request, ctx), ctx, log).finally(done);
  };
}

/**
 * Wraps a bidirectional handler: it gets the requests as an async iterable (ending on
 * half-close, cancel or deadline) and yields responses.
 */
export function bidi<Req, Res>(
  handler: BidiHandler<Req, Res>,
  options: HandlerOptions = {},
): handleBidiStreamingCall<Req, Res> {
  const log = options.log ?? jsonLogger();
  return (call) => {
    const { ctx, done } = callContext(call);
    const requests = readRequests<Req>(call, ctx.signal);
    void pump(
      call as unknown as ServerWritableStream<unknown, Res>,
      () => handler(requests, ctx),
      ctx,
      log,
    ).finally(done);
  };
}
