import { SignMapError } from './errors';
import { isOn } from './sign-of';

/** Shape of a sign map: [n, h, w, c] (NHWC), as on the wire. */
export type SignMapShape = readonly [number, number, number, number];

function validShape(shape: SignMapShape, fn: string): void {
  const ok =
    Array.isArray(shape) &&
    shape.length === 4 &&
    shape.every((d, i) => Number.isInteger(d) && (i === 0 ? d >= 0 : d > 0));
  if (!ok) {
    throw new SignMapError(
      `${fn}: shape must be [n ≥ 0, h > 0, w > 0, c > 0] integers, got [${shape}]`,
    );
  }
}

/** Bytes per image: ceil(h·w·c / 8); every image starts on a byte boundary. */
export function signMapBytesPerImage(shape: SignMapShape): number {
  validShape(shape, 'signMapBytesPerImage');
  return Math.ceil((shape[1] * shape[2] * shape[3]) / 8);
}

/** Total bytes of a packed sign map: n · ceil(h·w·c / 8). */
export function signMapBytes(shape: SignMapShape): number {
  return shape[0] * signMapBytesPerImage(shape);
}

function checkBits(bits: Uint8Array, shape: SignMapShape, fn: string): void {
  const want = signMapBytes(shape);
  if (bits.length !== want) {
    throw new SignMapError(
      `${fn}: a sign map of shape [${shape}] has ${want} bytes ` +
        `(${shape[0]} × ceil(${shape[1]}·${shape[2]}·${shape[3]}/8)), got ${bits.length}`,
    );
  }
}

/**
 * Packs ρ(preact) (`isOn`, the host form of `signOf`) into bits: row-major NHWC, least significant bit first, each
 * image starting on a byte boundary (padding bits are 0). NaN packs as 0.
 */
export function packSigns(preact: ArrayLike<number>, shape: SignMapShape): Uint8Array {
  validShape(shape, 'packSigns');
  const [n, h, w, c] = shape;
  const per = h * w * c;
  if (preact.length !== n * per) {
    throw new SignMapError(
      `packSigns: shape [${shape}] needs ${n * per} values, got ${preact.length}`,
    );
  }
  const stride = Math.ceil(per / 8);
  const bits = new Uint8Array(n * stride);
  for (let i = 0; i < n; i++) {
    const src = i * per;
    const dst = i * stride;
    for (let j = 0; j < per; j++) {
      if (isOn(preact[src + j])) bits[dst + (j >> 3)] |= 1 << (j & 7);
    }
  }
  return bits;
}

/** Inverse of packSigns: 0/1 float32 values, NHWC. Padding bits are ignored. */
export function unpackSigns(bits: Uint8Array, shape: SignMapShape): Float32Array {
  validShape(shape, 'unpackSigns');
  checkBits(bits, shape, 'unpackSigns');
  const [n, h, w, c] = shape;
  const per = h * w * c;
  const stride = Math.ceil(per / 8);
  const out = new Float32Array(n * per);
  for (let i = 0; i < n; i++) {
    const src = i * stride;
    const dst = i * per;
    for (let j = 0; j < per; j++) out[dst + j] = (bits[src + (j >> 3)] >> (j & 7)) & 1;
  }
  return out;
}

/**
 * Images [start, start + count) of a packed batch, without repacking. The result is a view
 * (`subarray`) sharing memory with `bits`; its shape is [count, h, w, c].
 */
export function sliceSignMap(
  bits: Uint8Array,
  shape: SignMapShape,
  start: number,
  count: number,
): Uint8Array {
  validShape(shape, 'sliceSignMap');
  checkBits(bits, shape, 'sliceSignMap');
  const n = shape[0];
  if (
    !Number.isInteger(start) ||
    !Number.isInteger(count) ||
    start < 0 ||
    count < 0 ||
    start + count > n
  ) {
    throw new SignMapError(
      `sliceSignMap: images [${start}, ${start}+${count}) are outside a batch of ${n}`,
    );
  }
  const stride = signMapBytesPerImage(shape);
  return bits.subarray(start * stride, (start + count) * stride);
}
