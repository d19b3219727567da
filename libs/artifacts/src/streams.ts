/** Stops a source stream we gave up on, so its producer does not keep running. */
export function destroyStream(body: NodeJS.ReadableStream): void {
  const d = (body as { destroy?: () => void }).destroy;
  if (typeof d === 'function') d.call(body);
}

/** Reads a whole stream into one Buffer. */
export async function readAll(body: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Buffer | string>) {
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * Cuts a stream into buffers of exactly `partSize` bytes (the last one shorter, possibly empty
 * only when the stream is empty). Copies at most once per byte.
 */
export async function* chunksOf(
  body: NodeJS.ReadableStream,
  partSize: number,
): AsyncGenerator<Buffer, void, undefined> {
  let parts: Buffer[] = [];
  let have = 0;
  let yielded = false;
  for await (const raw of body as AsyncIterable<Buffer | string>) {
    let chunk = typeof raw === 'string' ? Buffer.from(raw) : raw;
    while (have + chunk.length >= partSize) {
      const take = partSize - have;
      parts.push(chunk.subarray(0, take));
      chunk = chunk.subarray(take);
      yield Buffer.concat(parts, partSize);
      yielded = true;
      parts = [];
      have = 0;
    }
    if (chunk.length > 0) {
      parts.push(chunk);
      have += chunk.length;
    }
  }
  if (have > 0 || !yielded) yield Buffer.concat(parts, have);
}
