import { readFile } from 'node:fs/promises';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { DataError } from './data-error';

const gunzipAsync = promisify(gunzip);

/** IDX type byte for unsigned bytes, the only element type MNIST-like files use. */
const IDX_UBYTE = 0x08;

export interface IdxData {
  dims: number[];
  data: Uint8Array;
}

/** True when the bytes start with the gzip magic number 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Reads an IDX file (LeCun's MNIST format: 00 00 <type> <ndim>, then ndim big-endian uint32
 * sizes, then the data), gzip-compressed (detected by its magic 1f 8b) or raw.
 * Only unsigned-byte data (type 0x08) is supported. `data` is a view on the file's bytes.
 */
export async function readIdx(path: string): Promise<IdxData> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new DataError(`cannot read IDX file ${path}: ${(e as Error).message}`, path);
  }
  if (isGzip(bytes)) {
    try {
      bytes = await gunzipAsync(bytes);
    } catch (e) {
      throw new DataError(
        `IDX file ${path} is a truncated or corrupt gzip stream: ${(e as Error).message}`,
        path,
      );
    }
  }
  return parseIdx(bytes, path);
}

/** Parses IDX bytes (already decompressed); `path` is only used in error messages. */
export function parseIdx(bytes: Uint8Array, path: string): IdxData {
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) {
    const head = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new DataError(
      `${path} is not an IDX file: at byte 0: wrong magic number (first bytes ${head || 'none'}, expected 00 00 08 <ndim>)`,
      path,
    );
  }
  const type = bytes[2];
  const ndim = bytes[3];
  if (type !== IDX_UBYTE) {
    throw new DataError(
      `${path}: at byte 2: unsupported IDX element type 0x${type.toString(16)} (only unsigned bytes, 0x08)`,
      path,
    );
  }
  if (ndim === 0) throw new DataError(`${path}: IDX header has 0 dimensions`, path);
  const headerLen = 4 + 4 * ndim;
  if (bytes.length < headerLen) {
    throw new DataError(
      `${path} is truncated at byte ${bytes.length}: ${bytes.length} bytes, shorter than its ${headerLen}-byte IDX header`,
      path,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let size = 1;
  for (let i = 0; i < ndim; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    dims.push(d);
    size *= d;
  }
  const have = bytes.length - headerLen;
  if (have < size) {
    throw new DataError(
      `${path} is truncated at byte ${bytes.length}: header says [${dims.join(', ')}] = ${size} bytes of data, file has ${have}`,
      path,
    );
  }
  if (have > size) {
    throw new DataError(
      `${path} has ${have - size} bytes after the [${dims.join(', ')}] data the header announces (from byte ${headerLen + size})`,
      path,
    );
  }
  // A plain Uint8Array view (not a Node Buffer), sharing the file's bytes.
  return { dims, data: new Uint8Array(bytes.buffer, bytes.byteOffset + headerLen, size) };
}

/** Encodes unsigned bytes as an IDX file (raw, uncompressed); used to write fixtures and caches. */
export function encodeIdx(dims: number[], data: Uint8Array): Uint8Array {
  const size = dims.reduce((a, b) => a * b, 1);
  if (size !== data.length) {
    throw new DataError(
      `encodeIdx: dims [${dims.join(', ')}] need ${size} bytes, got ${data.length}`,
    );
  }
  if (dims.length === 0 || dims.length > 255) {
    throw new DataError(`encodeIdx: ${dims.length} dimensions (1..255 allowed)`);
  }
  const out = new Uint8Array(4 + 4 * dims.length + size);
  const view = new DataView(out.buffer);
  out[2] = IDX_UBYTE;
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}
