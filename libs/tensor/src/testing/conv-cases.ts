// Convolution shapes the kernel tests sweep: strides 1/2, 1×1 and 3×3, batch 1,
// odd sizes, 'same'/'valid'/numeric/explicit padding, one input channel.
export type Pad =
  | 'same'
  | 'valid'
  | number
  | [[number, number], [number, number], [number, number], [number, number]];

export interface ConvCase {
  x: [number, number, number, number];
  filter: [number, number, number, number];
  stride: number;
  pad: Pad;
}

export const CONV_CASES: ConvCase[] = [
  { x: [1, 7, 7, 3], filter: [3, 3, 3, 4], stride: 1, pad: 'same' },
  { x: [2, 7, 7, 3], filter: [3, 3, 3, 4], stride: 2, pad: 'same' },
  { x: [1, 9, 5, 2], filter: [3, 3, 2, 5], stride: 2, pad: 'valid' },
  { x: [2, 9, 5, 3], filter: [3, 3, 3, 2], stride: 1, pad: 'valid' },
  { x: [2, 8, 8, 3], filter: [1, 1, 3, 4], stride: 2, pad: 'same' },
  { x: [1, 9, 5, 3], filter: [1, 1, 3, 4], stride: 2, pad: 'valid' },
  { x: [2, 7, 7, 4], filter: [1, 1, 4, 4], stride: 1, pad: 'same' },
  { x: [1, 8, 8, 1], filter: [3, 3, 1, 2], stride: 2, pad: 'same' },
  { x: [1, 6, 6, 2], filter: [3, 3, 2, 2], stride: 1, pad: 2 },
  {
    x: [2, 9, 9, 2],
    filter: [3, 3, 2, 3],
    stride: 2,
    pad: [
      [0, 0],
      [1, 2],
      [0, 1],
      [0, 0],
    ],
  },
  // Padding wider than the filter: backprop-input falls back to the stock kernel.
  {
    x: [1, 5, 5, 2],
    filter: [3, 3, 2, 2],
    stride: 1,
    pad: [
      [0, 0],
      [3, 0],
      [0, 3],
      [0, 0],
    ],
  },
  // 1×1 with padding: general path of backprop-filter, crop path of backprop-input.
  { x: [1, 5, 6, 2], filter: [1, 1, 2, 3], stride: 2, pad: 1 },
];

export function caseName(c: ConvCase): string {
  return `x[${c.x}] f[${c.filter}] s${c.stride} pad ${JSON.stringify(c.pad)}`;
}
