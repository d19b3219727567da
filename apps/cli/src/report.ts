import { describeRecipe, RunResult } from '@abd/train';
import type { Reference } from '@abd/ui';

const pct = (x: number) => x.toFixed(2);

/** The paper-style table of a run: error % per method, similarity per tap, time. */
export function resultTable(r: RunResult, ref?: Reference): string {
  const head = ['method', 'test error %', 'similarity tap1/2/3 %', 'time'];
  if (ref) head.push(`reference (PyTorch) error %`);
  const rows = r.results.map((m) => {
    const row = [
      m.method,
      pct(m.errorPct),
      m.similarity ? m.similarity.map((s) => (100 * s).toFixed(1)).join('/') : '—',
      `${Math.round(m.seconds)} s`,
    ];
    if (ref) row.push(ref.errorPct[m.method] !== undefined ? pct(ref.errorPct[m.method]) : '—');
    return row;
  });
  const lines = [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((x) => `| ${x.join(' | ')} |`),
  ];
  return lines.join('\n');
}

/** The Markdown report stored beside a run's JSON result. */
export function reportMarkdown(
  r: RunResult,
  ref?: Reference,
  command?: string,
  students?: string,
): string {
  const c = r.config;
  const lines = [
    `# ${c.name}`,
    '',
    `Recipe: ${describeRecipe(c)}.`,
    '',
    `Teacher ${c.teacher.arch}: test error ${pct(r.teacher.errorPct)} % (${r.teacher.source}).`,
    `Student ${c.student.arch} (${c.student.init} init) on ${r.trainSize} training images of ${c.dataset.name}, ` +
      `E₁+E₂ = ${c.epochs.e1}+${c.epochs.e2}, batch ${c.train.batchSize}, schedule ${c.train.schedule}, ` +
      `AB: μ=${c.ab.mu}, teacher BN ${c.ab.teacherBnMode}, schedule ${c.ab.schedule}; KD: T=${c.kd.temperature}${c.kd.t2Factor ? ' ×T²' : ''}${c.kd.alpha > 0 ? `, CE weight α=${c.kd.alpha}` : ''}.`,
    '',
    resultTable(r, ref),
    '',
  ];
  if (ref) lines.push(`Reference: ${ref.label}.`, '');
  if (command) lines.push(`Command: \`${command}\``, '');
  if (students) lines.push(students, '');
  return lines.join('\n');
}
