import { common, evaluator } from '@abd/proto';

/** The Markdown twin of a stored report.json. */
export function markdown(r: evaluator.EvaluationReport): string {
  const c = r.confusion!;
  const lines = [
    `# Evaluation of ${r.model?.id} on ${r.dataset?.name} (${r.split === common.Split.SPLIT_TRAIN ? 'train' : 'test'})`,
    '',
    `| examples | error % | loss |`,
    `|---|---|---|`,
    `| ${r.examples} | ${r.errorPercent.toFixed(2)} | ${r.loss.toFixed(4)} |`,
    '',
  ];
  if (r.similarity.length) {
    lines.push(
      '| tap | activation similarity % |',
      '|---|---|',
      ...r.similarity.map((s) => `| ${s.tap} | ${s.percent.toFixed(1)} |`),
      '',
    );
  }
  lines.push(
    'Confusion (rows: true class, columns: predicted):',
    '',
    `| | ${c.classes.map((_, i) => i).join(' | ')} |`,
    `|---|${c.classes.map(() => '---').join('|')}|`,
  );
  for (let i = 0; i < c.numClasses; i++)
    lines.push(
      `| ${c.classes[i]} | ${c.counts.slice(i * c.numClasses, (i + 1) * c.numClasses).join(' | ')} |`,
    );
  return lines.join('\n') + '\n';
}
