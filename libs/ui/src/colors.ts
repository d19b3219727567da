/**
 * Fixed colours keyed by name, never by series order: a method (and the teacher) has the same
 * colour on every chart, every page and every run, and the taps of the similarity chart have
 * their own hues that no method uses (so green never means "none" on one chart and "tap3" on
 * the next).
 */
export const METHOD_COLORS: Readonly<Record<string, string>> = {
  teacher: '#1d2330',
  none: '#1f77b4',
  kd: '#ff7f0e',
  'ab+kd': '#d62728',
  'ab+ce': '#e377c2',
  'at+kd': '#2ca02c',
  'fitnets+kd': '#9467bd',
  'fsp+kd': '#8c564b',
  'jacobian+kd': '#bcbd22',
};

export const TAP_COLORS: Readonly<Record<string, string>> = {
  tap1: '#17becf',
  tap2: '#7b4173',
  tap3: '#e7ba52',
  tap4: '#637939',
};

/** For names outside the fixed maps: a hue picked by a hash of the name, so still stable. */
const EXTRA = [
  '#843c39',
  '#3182bd',
  '#31a354',
  '#756bb1',
  '#636363',
  '#e6550d',
  '#393b79',
  '#ad494a',
];

function hashed(name: string): string {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  return EXTRA[(h >>> 0) % EXTRA.length];
}

export function methodColor(method: string): string {
  return METHOD_COLORS[method] ?? hashed(method);
}

export function tapColor(tap: string): string {
  return TAP_COLORS[tap] ?? hashed(tap);
}

/** Dash patterns telling runs apart on the compare page (the colour stays the method's). */
export const RUN_DASHES = ['', '6 3', '2 3', '10 3 2 3', '1 5'];
