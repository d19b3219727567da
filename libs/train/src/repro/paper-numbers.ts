import { RunMethod } from '../run-methods';
// The figures of §4.a and §4.b, as data.
import tables from './paper-numbers.json';

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

/** A table of paper-numbers.json (error % per method, one value per column) keyed by method, then column. */
function table(t: {
  columns: string[];
  rows: Record<string, number[]>;
}): Record<string, Record<string, number>> {
  return Object.fromEntries(
    PAPER_ROWS.map((r) => [
      r.method,
      Object.fromEntries(t.columns.map((c, j) => [c, t.rows[r.method][j]])),
    ]),
  );
}

/** §4.a, error % by E₁+E₂. */
export const PAPER_FAST_TRAINING = table(tables.fastTraining);

/** §4.b, error % by share of the training set. */
export const PAPER_LITTLE_DATA = table(tables.littleData);

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
