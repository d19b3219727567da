import { crc32, inflateRawSync } from 'node:zlib';
import { DataError } from './data-error';

/**
 * Reads the entries of a zip archive (what NumPy's `.npz` is) with node's zlib: stored
 * (method 0, `np.savez`) and deflated (method 8, `np.savez_compressed`) entries, zip64 sizes and
 * offsets as Python's zipfile writes them. Sizes and offsets come from the central directory;
 * every entry's CRC-32 is checked. Errors name the file, the byte offset or entry, the problem.
 */
export function readZipEntries(bytes: Uint8Array, file: string): Map<string, Uint8Array> {
  const fail = (where: string, problem: string): never => {
    throw new DataError(`${file}: ${where}: ${problem}`, file);
  };
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // End of central directory: signature 06054b50 within the last 65 557 bytes.
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 65557); i--) {
    if (dv.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0)
    fail(
      `byte ${bytes.length}`,
      'no zip end-of-central-directory record (truncated or not a zip/.npz)',
    );
  let count = dv.getUint16(eocd + 10, true);
  let cdOffset = dv.getUint32(eocd + 16, true);
  if (cdOffset === 0xffffffff || count === 0xffff) {
    const loc = eocd - 20;
    if (loc < 0 || dv.getUint32(loc, true) !== 0x07064b50)
      fail(`byte ${eocd}`, 'zip64 locator missing');
    const rec = Number(dv.getBigUint64(loc + 8, true));
    if (rec + 56 > bytes.length || dv.getUint32(rec, true) !== 0x06064b50)
      fail(`byte ${rec}`, 'zip64 end record missing');
    count = Number(dv.getBigUint64(rec + 32, true));
    cdOffset = Number(dv.getBigUint64(rec + 48, true));
  }
  const out = new Map<string, Uint8Array>();
  let p = cdOffset;
  for (let e = 0; e < count; e++) {
    if (p + 46 > bytes.length || dv.getUint32(p, true) !== 0x02014b50)
      fail(`byte ${p}`, `central directory entry ${e} is missing or corrupt`);
    const method = dv.getUint16(p + 10, true);
    const crc = dv.getUint32(p + 16, true);
    let csize = dv.getUint32(p + 20, true);
    let usize = dv.getUint32(p + 24, true);
    const nameLen = dv.getUint16(p + 28, true);
    const extraLen = dv.getUint16(p + 30, true);
    const commentLen = dv.getUint16(p + 32, true);
    let local = dv.getUint32(p + 42, true);
    const name = new TextDecoder().decode(bytes.subarray(p + 46, p + 46 + nameLen));
    // zip64 extra field (id 1): the 0xffffffff fields, in the order usize, csize, offset.
    for (let x = p + 46 + nameLen; x + 4 <= p + 46 + nameLen + extraLen;) {
      const id = dv.getUint16(x, true);
      const len = dv.getUint16(x + 2, true);
      if (id === 1) {
        let q = x + 4;
        if (usize === 0xffffffff) ((usize = Number(dv.getBigUint64(q, true))), (q += 8));
        if (csize === 0xffffffff) ((csize = Number(dv.getBigUint64(q, true))), (q += 8));
        if (local === 0xffffffff) local = Number(dv.getBigUint64(q, true));
      }
      x += 4 + len;
    }
    p += 46 + nameLen + extraLen + commentLen;
    const at = `entry '${name}'`;
    if (local + 30 > bytes.length || dv.getUint32(local, true) !== 0x04034b50)
      fail(`${at} at byte ${local}`, 'local header missing or corrupt');
    const dataStart = local + 30 + dv.getUint16(local + 26, true) + dv.getUint16(local + 28, true);
    if (dataStart + csize > bytes.length)
      fail(
        `${at} at byte ${dataStart}`,
        `truncated: needs ${csize} bytes, archive has ${bytes.length - dataStart}`,
      );
    const raw = bytes.subarray(dataStart, dataStart + csize);
    let data: Uint8Array;
    if (method === 0) data = raw;
    else if (method === 8) {
      try {
        data = inflateRawSync(raw);
      } catch (err) {
        return fail(
          `${at} at byte ${dataStart}`,
          `corrupt deflate stream: ${(err as Error).message}`,
        );
      }
    } else
      return fail(
        `${at} at byte ${local}`,
        `compression method ${method} unsupported (stored or deflated only)`,
      );
    if (data.length !== usize)
      fail(
        `${at} at byte ${dataStart}`,
        `inflates to ${data.length} bytes, directory says ${usize}`,
      );
    if (crc32(data) >>> 0 !== crc)
      fail(`${at} at byte ${dataStart}`, 'CRC-32 mismatch (corrupt data)');
    out.set(name, data);
  }
  return out;
}
