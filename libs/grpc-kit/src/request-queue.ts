import type { Readable } from 'node:stream';
import { Wakeup } from './wakeup';

/**
 * The request side of a client/bidi stream as an async iterable that also ends when `signal`
 * fires (a Readable's own iterator would wait forever on a cancelled call). Pauses the stream
 * while `highWater` messages are unread, so a fast client cannot flood the server's memory.
 */
export async function* readRequests<T>(
  stream: Readable,
  signal: AbortSignal,
  highWater = 16,
): AsyncGenerator<T> {
  const queue: T[] = [];
  let ended = false;
  let failure: unknown;
  const wakeup = new Wakeup();
  const { notify } = wakeup;
  const onData = (m: T): void => {
    queue.push(m);
    if (queue.length >= highWater) stream.pause();
    notify();
  };
  const onEnd = (): void => {
    ended = true;
    notify();
  };
  const onError = (e: unknown): void => {
    failure = e;
    ended = true;
    notify();
  };
  stream.on('data', onData);
  stream.on('end', onEnd);
  stream.on('error', onError);
  signal.addEventListener('abort', notify);
  try {
    for (;;) {
      if (signal.aborted) return;
      if (queue.length > 0) {
        const m = queue.shift() as T;
        if (queue.length < highWater && stream.isPaused()) stream.resume();
        yield m;
        continue;
      }
      if (failure !== undefined) throw failure;
      if (ended) return;
      await wakeup.wait();
    }
  } finally {
    stream.removeListener('data', onData);
    stream.removeListener('end', onEnd);
    stream.removeListener('error', onError);
    signal.removeEventListener('abort', notify);
  }
}
