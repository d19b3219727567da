import { RunMethod } from '../run-methods';
import { gridOf } from './grids';
import { PAPER_ROWS, PAPER_SOURCE } from './paper-numbers';
import { Aggregate, SweepResult } from './sweep';

const label = (m: RunMethod) => PAPER_ROWS.find((r) => r.method === m)?.label ?? m;
const f2 = (x: number) => x.toFixed(2);

function cellText(a: Aggregate | undefined, paper: number | undefined): string {
  const ours = !a
    ? '—'
    : a.n > 1
      ? `**${f2(a.median)}** [${f2(a.min)}–${f2(a.max)}]`
      : `**${f2(a.median)}**`;
  return paper === undefined ? ours : `${ours} · *${f2(paper)}*`;
}

/**
 * The experiment's table in the paper's layout (fast training / little data: a row per method,
 * a column per grid point; network sizes: a row per pair, a column per method), each cell
 * `our median error % [min–max over seeds] · *paper's error %*`.
 */
export function reproMarkdown(r: SweepResult, command?: string): string {
  const grid = gridOf(r.experiment, r.scale);
  const find = (col: string, m: RunMethod) =>
    r.aggregates.find((a) => a.column === col && a.method === m);
  const methods = PAPER_ROWS.map((x) => x.method).filter((m) => r.grid.methods.includes(m));
  const first = r.cells[0];
  const lines: string[] = [`# ${title(r)} — ${r.dataset}, scale ${r.scale}`, ''];
  if (first) {
    const c = first.config;
    const sizes = [...new Set(r.cells.map((x) => x.trainSize))];
    lines.push(
      `Test error % on ${r.dataset} (${r.cells.length} cell(s); seeds ${r.seeds.join(', ')}). ` +
        `Teacher ${c.teacher.arch} (${c.teacher.checkpoint ? `checkpoint \`${c.teacher.checkpoint}\`` : `${c.teacher.epochs} epochs`}, test error ${f2(first.teacher.errorPct)} %) → student ${c.student.arch} ` +
        `(${c.student.init} init) unless the row says otherwise; ${sizes.length === 1 ? `${sizes[0]} training images` : `${sizes.join(' / ')} training images by column`}; batch ${c.train.batchSize}; classification schedule ${c.train.schedule}; ` +
        `init stages (AB, FitNets, FSP) at schedule ${c.ab.schedule}; KD T=${c.kd.temperature}${c.kd.t2Factor ? ' ×T²' : ''}.`,
      '',
    );
  }
  lines.push(
    `Cells: **ours** (median over seeds) [min–max] · *paper*. The paper's numbers are ${PAPER_SOURCE}: compare the ranking of the methods, not the values.`,
    '',
  );
  if (r.experiment === 'network-sizes') {
    const head = ['Compression type', 'Teacher → student', ...methods.map(label)];
    lines.push(`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`);
    for (const col of r.grid.columns) {
      const cells = methods.map((m) => cellText(find(col.key, m), grid.paper[m]?.[col.label]));
      lines.push(`| ${col.label} | ${col.teacher} → ${col.student} | ${cells.join(' | ')} |`);
    }
  } else {
    const head = [r.grid.axis, ...r.grid.columns.map((c) => c.label)];
    lines.push(`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`);
    for (const m of methods) {
      const cells = r.grid.columns.map((col) =>
        cellText(find(col.key, m), grid.paper[m]?.[col.label]),
      );
      lines.push(`| ${label(m)} | ${cells.join(' | ')} |`);
    }
  }
  lines.push('');
  const sims = r.aggregates.length ? similarityLine(r) : '';
  if (sims) lines.push(sims, '');
  if (r.cancelled)
    lines.push('**Incomplete:** the sweep was stopped; rerun the command to finish it.', '');
  if (command) lines.push(`Command: \`${command}\``, '');
  return lines.join('\n');
}

function title(r: SweepResult): string {
  return {
    'fast-training': 'Fast training',
    'little-data': 'Little training data',
    'network-sizes': 'Network sizes',
  }[r.experiment];
}

function similarityLine(r: SweepResult): string {
  const parts: string[] = [];
  for (const col of r.grid.columns) {
    const sims = r.cells
      .filter((c) => c.column.key === col.key)
      .flatMap((c) =>
        c.results.filter((x) => x.method === 'ab+kd' && x.similarity).map((x) => x.similarity!),
      );
    if (!sims.length) continue;
    const mean = sims[0].map((_, i) => (100 * sims.reduce((s, v) => s + v[i], 0)) / sims.length);
    parts.push(`${col.label}: ${mean.map((v) => v.toFixed(1)).join('/')}`);
  }
  return parts.length
    ? `AB activation similarity after the init stage, tap 1/2/3 % (mean over seeds): ${parts.join('; ')}.`
    : '';
}

const COLORS: Record<string, string> = {
  none: '#555555',
  kd: '#1f77b4',
  'fitnets+kd': '#ff7f0e',
  'fsp+kd': '#9467bd',
  'at+kd': '#2ca02c',
  'jacobian+kd': '#8c564b',
  'ab+kd': '#d62728',
};
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Error % against the grid's columns, one line per method with min–max bars over seeds. */
export function reproSvg(r: SweepResult): string {
  const W = 720,
    H = 420,
    L = 60,
    R = 180,
    T = 40,
    B = 60;
  const cols = r.grid.columns;
  const all = r.aggregates.flatMap((a) => [a.min, a.max]).filter(Number.isFinite);
  const lo = all.length ? Math.max(0, Math.floor(Math.min(...all) / 5) * 5) : 0;
  const hi = all.length ? Math.ceil((Math.max(...all) + 0.01) / 5) * 5 : 100;
  const x = (i: number) =>
    L + (cols.length === 1 ? (W - L - R) / 2 : (i * (W - L - R)) / (cols.length - 1));
  const y = (v: number) => T + ((hi - v) * (H - T - B)) / Math.max(1e-9, hi - lo);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${L}" y="20" font-size="14">${esc(`${title(r)} — ${r.dataset}, scale ${r.scale}: test error % (median, min–max over ${r.seeds.length} seed(s))`)}</text>`,
    `<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="black"/>`,
    `<line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="black"/>`,
    `<text x="${(L + W - R) / 2}" y="${H - 15}" text-anchor="middle">${esc(r.grid.axis)}</text>`,
  ];
  for (let k = 0; k <= 5; k++) {
    const v = lo + ((hi - lo) * k) / 5;
    out.push(
      `<line x1="${L - 4}" y1="${y(v)}" x2="${W - R}" y2="${y(v)}" stroke="#ddd"/>`,
      `<text x="${L - 8}" y="${y(v) + 4}" text-anchor="end">${+v.toFixed(1)}</text>`,
    );
  }
  cols.forEach((c, i) =>
    out.push(`<text x="${x(i)}" y="${H - B + 18}" text-anchor="middle">${esc(c.label)}</text>`),
  );
  const methods = PAPER_ROWS.map((p) => p.method).filter((m) => r.grid.methods.includes(m));
  methods.forEach((m, j) => {
    const color = COLORS[m] ?? '#000';
    const pts = cols
      .map((c, i) => ({ i, a: r.aggregates.find((a) => a.column === c.key && a.method === m) }))
      .filter((p) => p.a);
    if (pts.length > 1)
      out.push(
        `<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.map((p) => `${x(p.i)},${y(p.a!.median)}`).join(' ')}"/>`,
      );
    for (const p of pts) {
      out.push(
        `<line x1="${x(p.i)}" y1="${y(p.a!.min)}" x2="${x(p.i)}" y2="${y(p.a!.max)}" stroke="${color}"/>`,
      );
      out.push(
        `<circle cx="${x(p.i)}" cy="${y(p.a!.median)}" r="3.5" fill="${color}"><title>${esc(`${label(m)} ${p.a!.column}: ${f2(p.a!.median)} %`)}</title></circle>`,
      );
    }
    const ly = T + 10 + j * 18;
    out.push(
      `<line x1="${W - R + 12}" y1="${ly}" x2="${W - R + 32}" y2="${ly}" stroke="${color}" stroke-width="2"/>`,
      `<text x="${W - R + 38}" y="${ly + 4}">${esc(label(m))}</text>`,
    );
  });
  out.push('</svg>');
  return out.join('\n');
}
