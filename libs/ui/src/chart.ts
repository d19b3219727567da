import { methodColor } from './colors';
import { esc } from './html';

export interface Series {
  name: string;
  /** x (epoch, 1-based) and y per point; NaN/∞ points are skipped. */
  points: Array<[number, number]>;
  /** Fixed colour of the series (colors.ts: by method or tap name); by default from the name. */
  color?: string;
  /** SVG stroke-dasharray, telling runs apart on one chart. */
  dash?: string;
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  width?: number;
  height?: number;
  /** Force the y range to include these values (e.g. 0 for an error %). */
  yInclude?: number[];
  /** Unit appended to a value in the hover box (e.g. ' %'). */
  unit?: string;
}

/** Round tick steps (1, 2, 5 × 10ⁿ) giving about `count` ticks over [lo, hi]. */
export function ticks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step)
    out.push(Number(v.toPrecision(12)));
  return out;
}

export const fmt = (v: number) =>
  Math.abs(v) >= 1000 || (v !== 0 && Math.abs(v) < 0.01)
    ? v.toExponential(1)
    : String(Number(v.toPrecision(4)));

/**
 * A line chart as inline SVG: one polyline and one circle per point for each series (each
 * circle carries data-series/data-x/data-y, so a test or a reader can count and check points).
 */
export function lineChart(series: Series[], o: ChartOptions): string {
  const W = o.width ?? 460;
  const H = o.height ?? 260;
  const m = { l: 56, r: 12, t: 28, b: 40 };
  const clean = series.map((s) => ({
    ...s,
    points: s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)),
  }));
  const xs = clean.flatMap((s) => s.points.map((p) => p[0]));
  const ys = clean.flatMap((s) => s.points.map((p) => p[1])).concat(o.yInclude ?? []);
  const head = `<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H + 18 * Math.ceil(series.length / 3)}" role="img" aria-label="${esc(o.title)}" data-title="${esc(o.title)}">`;
  const title = `<text x="${W / 2}" y="18" text-anchor="middle" font-size="13" font-weight="600">${esc(o.title)}</text>`;
  if (xs.length === 0) {
    return `${head}${title}<text x="${W / 2}" y="${H / 2}" text-anchor="middle" fill="#888">no data yet</text></svg>`;
  }
  let [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  if (x0 === x1) [x0, x1] = [x0 - 1, x1 + 1];
  if (y0 === y1)
    [y0, y1] = [y0 - Math.max(1e-3, Math.abs(y0) * 0.1), y1 + Math.max(1e-3, Math.abs(y1) * 0.1)];
  const pad = (y1 - y0) * 0.05;
  [y0, y1] = [y0 - pad, y1 + pad];
  const px = (x: number) => m.l + ((x - x0) / (x1 - x0)) * (W - m.l - m.r);
  const py = (y: number) => H - m.b - ((y - y0) / (y1 - y0)) * (H - m.t - m.b);
  const parts: string[] = [head, title];
  const xt = ticks(x0, x1, 6).filter((v) => Number.isInteger(v));
  for (const v of xt) {
    parts.push(
      `<line x1="${px(v)}" x2="${px(v)}" y1="${H - m.b}" y2="${H - m.b + 4}" stroke="#555"/>`,
    );
    parts.push(
      `<text x="${px(v)}" y="${H - m.b + 16}" text-anchor="middle" font-size="11">${fmt(v)}</text>`,
    );
  }
  for (const v of ticks(y0, y1, 5)) {
    parts.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${py(v)}" y2="${py(v)}" stroke="#eee"/>`);
    parts.push(
      `<text x="${m.l - 6}" y="${py(v) + 4}" text-anchor="end" font-size="11">${fmt(v)}</text>`,
    );
  }
  parts.push(
    `<rect x="${m.l}" y="${m.t}" width="${W - m.l - m.r}" height="${H - m.t - m.b}" fill="none" stroke="#555"/>`,
  );
  parts.push(
    `<text x="${(m.l + W - m.r) / 2}" y="${H - 6}" text-anchor="middle" font-size="11">${esc(o.xLabel)}</text>`,
  );
  parts.push(
    `<text transform="translate(14 ${(m.t + H - m.b) / 2}) rotate(-90)" text-anchor="middle" font-size="11">${esc(o.yLabel)}</text>`,
  );
  const colors = clean.map((s) => s.color ?? methodColor(s.name));
  // Lines first, then every series' points above all lines, so a hover box is never hidden.
  clean.forEach((s, i) => {
    const pts = s.points.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ');
    if (s.points.length > 1)
      parts.push(
        `<polyline class="line" data-series="${esc(s.name)}" fill="none" stroke="${colors[i]}" stroke-width="1.8"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''} points="${pts}"/>`,
      );
  });
  clean.forEach((s, i) => {
    parts.push(
      `<g class="series" data-series="${esc(s.name)}" data-points="${s.points.length}" data-color="${colors[i]}">`,
    );
    for (const [x, y] of s.points) {
      const label = `${s.name} · epoch ${x}: ${fmt(y)}${o.unit ?? ''}`;
      parts.push(
        `<g class="point"><circle class="hit" cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="8" fill="transparent"/><circle class="pt" cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3" fill="${colors[i]}" data-x="${x}" data-y="${y}"/>${hoverBox(px(x), py(y), label, W, m.t)}</g>`,
      );
    }
    parts.push('</g>');
  });
  clean.forEach((s, i) => {
    const lx = 10 + (i % 3) * Math.floor(W / 3);
    const ly = H + 12 + 18 * Math.floor(i / 3);
    parts.push(
      `<g class="legend" data-series="${esc(s.name)}"><line x1="${lx}" x2="${lx + 14}" y1="${ly - 4}" y2="${ly - 4}" stroke="${colors[i]}" stroke-width="3"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/><text x="${lx + 18}" y="${ly}" font-size="11">${esc(s.name)}</text></g>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/** Grouped bars: one group per run, one bar per key (e.g. method), value labels on hover. */
export function barChart(
  groups: Array<{ name: string; values: Record<string, number | undefined> }>,
  keys: string[],
  o: ChartOptions,
): string {
  const H = o.height ?? 260;
  const m = { l: 56, r: 12, t: 28, b: 60 };
  const bw = 14;
  const gw = keys.length * bw + 18;
  const W = Math.max(o.width ?? 460, m.l + m.r + groups.length * gw);
  const vals = groups.flatMap((g) =>
    keys.map((k) => g.values[k]).filter((v): v is number => v !== undefined && Number.isFinite(v)),
  );
  const y1 = Math.max(1e-9, ...vals, ...(o.yInclude ?? [])) * 1.05;
  const py = (y: number) => H - m.b - (y / y1) * (H - m.t - m.b);
  const parts = [
    `<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H + 20}" data-title="${esc(o.title)}">`,
  ];
  parts.push(
    `<text x="${W / 2}" y="18" text-anchor="middle" font-size="13" font-weight="600">${esc(o.title)}</text>`,
  );
  for (const v of ticks(0, y1, 5)) {
    parts.push(
      `<line x1="${m.l}" x2="${W - m.r}" y1="${py(v)}" y2="${py(v)}" stroke="#eee"/><text x="${m.l - 6}" y="${py(v) + 4}" text-anchor="end" font-size="11">${fmt(v)}</text>`,
    );
  }
  parts.push(
    `<text transform="translate(14 ${(m.t + H - m.b) / 2}) rotate(-90)" text-anchor="middle" font-size="11">${esc(o.yLabel)}</text>`,
  );
  groups.forEach((g, gi) => {
    const x0 = m.l + 9 + gi * gw;
    keys.forEach((k, ki) => {
      const v = g.values[k];
      if (v === undefined || !Number.isFinite(v)) return;
      parts.push(
        `<rect class="bar" data-group="${esc(g.name)}" data-key="${esc(k)}" data-y="${v}" x="${x0 + ki * bw}" y="${py(v)}" width="${bw - 2}" height="${H - m.b - py(v)}" fill="${methodColor(k)}"><title>${esc(g.name)} ${esc(k)}: ${fmt(v)}</title></rect>`,
      );
    });
    const label = g.name.length > 18 ? `${g.name.slice(0, 17)}…` : g.name;
    parts.push(
      `<text transform="translate(${x0 + (keys.length * bw) / 2} ${H - m.b + 12}) rotate(20)" font-size="10">${esc(label)}</text>`,
    );
  });
  parts.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${H - m.b}" y2="${H - m.b}" stroke="#555"/>`);
  keys.forEach((k, ki) => {
    const lx = m.l + ki * 110;
    parts.push(
      `<rect x="${lx}" y="${H + 2}" width="12" height="10" fill="${methodColor(k)}"/><text x="${lx + 16}" y="${H + 11}" font-size="11">${esc(k)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/**
 * The value box of one point, shown while the pointer is over it (CSS :hover in html.ts; the
 * pages run no scripts). Placed above-right of the point, flipped to stay inside the chart.
 */
function hoverBox(x: number, y: number, label: string, W: number, top: number): string {
  const w = Math.ceil(label.length * 6.4) + 12;
  const h = 18;
  const bx = x + 8 + w > W ? x - 8 - w : x + 8;
  const by = y - 8 - h < top ? y + 8 : y - 8 - h;
  return `<g class="tip"><rect x="${bx.toFixed(1)}" y="${by.toFixed(1)}" width="${w}" height="${h}" rx="3" fill="#fff" stroke="#1d2330"/><text x="${(bx + 6).toFixed(1)}" y="${(by + 13).toFixed(1)}" font-size="11">${esc(label)}</text></g>`;
}
