import { RunMethod } from '../run-config';

/**
 * The paper's figures as given in its presentation (its seed presentation,
 * §4.a–4.c): test error % on CIFAR-10, teacher WRN-22-4 → student WRN-16-2 unless the
 * network-sizes row says otherwise. Not Fashion-MNIST: they are printed beside ours for the
 * ranking of the methods, not as numbers to match.
 */
export const PAPER_SOURCE =
  'paper (Heo et al., AAAI 2019; seed presentation §4): CIFAR-10, WRN-22-4 → WRN-16-2 (network sizes: the pair of the row)';

/** The row names the paper uses, in its order. */
export const PAPER_ROWS: { method: RunMethod; label: string }[] = [
  { method: 'none', label: 'Without distillation' },
  { method: 'kd', label: 'Output distillation (KD)' },
  { method: 'fitnets+kd', label: 'FITNET + KD' },
  { method: 'fsp+kd', label: 'FSP + KD' },
  { method: 'at+kd', label: 'AT + KD' },
  { method: 'jacobian+kd', label: 'Jacobian + KD' },
  { method: 'ab+kd', label: 'Proposed + KD' },
];

const row = (cols: string[], ...vals: number[][]) =>
  Object.fromEntries(PAPER_ROWS.map((r, i) => [r.method, Object.fromEntries(cols.map((c, j) => [c, vals[i][j]]))]));

/** §4.a, error % by E₁+E₂. */
export const PAPER_FAST_TRAINING: Record<string, Record<string, number>> = row(
  ['1+1', '1+5', '3+12', '5+25', '10+50', '20+100'],
  [43.37, 17.72, 11.76, 8.63, 7.41, 6.47],
  [48.42, 19.8, 12.09, 8.66, 6.8, 6.19],
  [48.16, 19.82, 11.1, 8.38, 7.02, 6.28],
  [43.51, 19.29, 11.15, 8.48, 6.87, 6.22],
  [37.66, 14.14, 8.35, 6.68, 5.94, 5.8],
  [38.46, 14.29, 8.37, 6.98, 5.98, 5.77],
  [16.39, 11.16, 6.95, 6.08, 5.72, 5.58],
);

/** §4.b, error % by share of the training set. */
export const PAPER_LITTLE_DATA: Record<string, Record<string, number>> = row(
  ['0.1%', '1%', '5%', '10%', '20%', '100%'],
  [73.83, 48.41, 28.12, 21.76, 15.26, 6.47],
  [74.62, 48.34, 28.13, 21.21, 14.62, 6.19],
  [74.81, 49.91, 27.28, 21.42, 14.52, 6.28],
  [73.96, 47.98, 26.9, 20.8, 13.85, 6.22],
  [67.54, 37.11, 18.86, 15.61, 9.94, 5.8],
  [68.65, 36.99, 18.34, 15.03, 9.83, 5.77],
  [50.32, 21.54, 14.99, 13.09, 9.16, 5.58],
);

/** §4.c, error % by compression type (its Depth & Channel row equals §4.b's 10 % column). */
export const PAPER_NETWORK_SIZES: Record<string, Record<string, number>> = Object.fromEntries(
  (['kd', 'fitnets+kd', 'fsp+kd', 'at+kd', 'jacobian+kd', 'ab+kd'] as RunMethod[]).map((m, j) => [
    m,
    {
      Depth: [22.98, 23.34, 22.99, 18.06, 18.28, 14.05][j],
      Channel: [20.48, 19.98, 19.78, 14.81, 14.41, 11.62][j],
      'Depth & Channel': [21.21, 21.42, 20.8, 15.61, 15.03, 13.09][j],
      'Tiny network': [29.57, 29.18, 28.7, 29.44, 28.7, 23.27][j],
      'Same network': [18.29, 17.91, 17.81, 12.03, 11.28, 6.63][j],
    },
  ]),
);
