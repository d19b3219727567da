import { DataError } from './data-error';

/** One array read from a `.npy` file (or an `.npz` entry): its dtype, shape and raw values. */
export interface NpyArray {
  /** numpy dtype string as written, e.g. `|u1`, `<f4`, `<i8`. */
  dtype: string;
  shape: number[];
  /** Values as numbers (integers exactly; float32 widened). */
  values: Uint8Array | Float32Array | Float64Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** Bytes per element and a reader for each supported dtype (little-endian or byte-sized). */
const DTYPES: Record<string, { size: number; kind: 'u8' | 'f32' | 'int' }> = {
  '|u1': { size: 1, kind: 'u8' },
  '<u1': { size: 1, kind: 'u8' },
  '|i1': { size: 1, kind: 'int' },
  '<f4': { size: 4, kind: 'f32' },
  '<i2': { size: 2, kind: 'int' },
  '<u2': { size: 2, kind: 'int' },
  '<i4': { size: 4, kind: 'int' },
  '<u4': { size: 4, kind: 'int' },
  '<i8': { size: 8, kind: 'int' },
  '<u8': { size: 8, kind: 'int' },
};

/**
 * Parses NumPy's `.npy` format (versions 1–3): magic, version, header length, a Python dict
 * literal `{'descr': …, 'fortran_order': …, 'shape': (…)}`, then the C-order data.
 * `where` names the file (and entry) in errors. Images are uint8 or float32; labels any int.
 */
export function parseNpy(bytes: Uint8Array, where: string): NpyArray {
  const fail = (offset: number, problem: string): never => {
    throw new DataError(`${where}: at byte ${offset}: ${problem}`, where);
  };
  if (bytes.length < 10 || MAGIC.some((m, i) => bytes[i] !== m))
    fail(0, 'not a .npy file (magic \\x93NUMPY missing)');
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let start: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) fail(8, 'truncated header length');
    headerLen = view.getUint32(8, true);
    start = 12;
  } else {
    return fail(6, `unsupported .npy version ${major}`);
  }
  if (bytes.length < start + headerLen)
    fail(start, `truncated header: needs ${headerLen} bytes, file has ${bytes.length - start}`);
  const header = new TextDecoder().decode(bytes.subarray(start, start + headerLen));
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    return fail(start, `header is not a numpy header dict: ${JSON.stringify(header.trim())}`);
  }
  if (fortran === 'True') fail(start, 'fortran_order arrays are not supported (save with C order)');
  const dt = DTYPES[descr];
  if (!dt)
    return fail(
      start,
      `unsupported dtype '${descr}' (images: uint8 |u1 or float32 <f4; labels: an integer type)`,
    );
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) fail(start, `bad shape (${shapeText})`);
  const count = shape.reduce((a, b) => a * b, 1);
  const dataStart = start + headerLen;
  const need = count * dt.size;
  const have = bytes.length - dataStart;
  if (have < need)
    fail(
      dataStart + have,
      `truncated data: shape (${shape.join(', ')}) of ${descr} needs ${need} bytes, file has ${have}`,
    );
  if (have > need)
    fail(dataStart + need, `${have - need} bytes after the (${shape.join(', ')}) data`);
  const data = bytes.subarray(dataStart, dataStart + need);
  if (dt.kind === 'u8') return { dtype: descr, shape, values: new Uint8Array(data) };
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (dt.kind === 'f32') {
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = dv.getFloat32(4 * i, true);
    return { dtype: descr, shape, values: out };
  }
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const o = i * dt.size;
    switch (descr) {
      case '|i1':
        out[i] = dv.getInt8(o);
        break;
      case '<i2':
        out[i] = dv.getInt16(o, true);
        break;
      case '<u2':
        out[i] = dv.getUint16(o, true);
        break;
      case '<i4':
        out[i] = dv.getInt32(o, true);
        break;
      case '<u4':
        out[i] = dv.getUint32(o, true);
        break;
      case '<i8':
        out[i] = Number(dv.getBigInt64(o, true));
        break;
      default:
        out[i] = Number(dv.getBigUint64(o, true));
    }
  }
  return { dtype: descr, shape, values: out };
}

/** Encodes a C-order array as `.npy` v1 (used by tests to write real files). */
export function encodeNpy(
  dtype: '|u1' | '<f4' | '<i8',
  shape: number[],
  values: ArrayLike<number>,
): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${dtype}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // numpy pads the header with spaces so that the data starts on a 64-byte boundary.
  const pad = 64 - ((10 + header.length + 1) % 64);
  header += ' '.repeat(pad % 64) + '\n';
  const size = dtype === '|u1' ? 1 : dtype === '<f4' ? 4 : 8;
  const out = new Uint8Array(10 + header.length + values.length * size);
  out.set(MAGIC, 0);
  out[6] = 1;
  const dv = new DataView(out.buffer);
  dv.setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  const o = 10 + header.length;
  for (let i = 0; i < values.length; i++) {
    if (dtype === '|u1') out[o + i] = values[i];
    else if (dtype === '<f4') dv.setFloat32(o + 4 * i, values[i], true);
    else dv.setBigInt64(o + 8 * i, BigInt(values[i]), true);
  }
  return out;
}
