import { lineChart, Series } from './chart';
import { StageHistory } from './store-view';

/** The series of a run's charts, built from its stages' saved epoch events. */
export interface RunCurves {
  trainLoss: Series[];
  testError: Series[];
  abLoss: Series[];
  similarity: Series[];
}

/**
 * x is the student's epoch counted over both stages (AB+KD's classification starts at E₁+1),
 * so none, KD and AB+KD line up on one axis; the teacher counts its own epochs.
 */
export function runCurves(histories: StageHistory[], e1?: number, prefix = ''): RunCurves {
  const out: RunCurves = { trainLoss: [], testError: [], abLoss: [], similarity: [] };
  const abEpochs = (owner: string) =>
    e1 ?? histories.find((h) => h.owner === owner && h.stage === 'ab-init')?.events.length ?? 0;
  const order = (h: StageHistory) => (h.owner === 'teacher' ? 1 : 0);
  for (const h of [...histories].sort((a, b) => order(a) - order(b))) {
    const name = `${prefix}${h.owner}`;
    const events = [...h.events].sort((a, b) => a.epoch - b.epoch);
    if (h.stage === 'ab-init') {
      out.abLoss.push({
        name,
        points: events.filter((e) => e.ab).map((e) => [e.epoch + 1, e.ab!.loss]),
      });
      const taps = Math.max(0, ...events.map((e) => e.ab?.similarity.length ?? 0));
      for (let t = 0; t < taps; t++) {
        out.similarity.push({
          name: `${name} tap${t + 1}`,
          points: events
            .filter((e) => e.ab && e.ab.similarity[t] !== undefined)
            .map((e) => [e.epoch + 1, 100 * e.ab!.similarity[t]]),
        });
      }
      continue;
    }
    const offset = h.stage === 'classify' && h.owner.startsWith('ab+') ? abEpochs(h.owner) : 0;
    const cls = events.filter((e) => e.classify);
    out.trainLoss.push({ name, points: cls.map((e) => [offset + e.epoch + 1, e.classify!.loss]) });
    const tested = cls.filter((e) => e.classify!.test && e.classify!.test.total > 0);
    out.testError.push({
      name,
      points: tested.map((e) => [
        offset + e.epoch + 1,
        100 * (1 - e.classify!.test!.correct / e.classify!.test!.total),
      ]),
    });
  }
  return out;
}

export function mergeCurves(all: RunCurves[]): RunCurves {
  return {
    trainLoss: all.flatMap((c) => c.trainLoss),
    testError: all.flatMap((c) => c.testError),
    abLoss: all.flatMap((c) => c.abLoss),
    similarity: all.flatMap((c) => c.similarity),
  };
}

export function curvesHtml(c: RunCurves): string {
  const charts = [
    lineChart(c.testError, {
      title: 'test error % per epoch',
      xLabel: 'epoch',
      yLabel: 'test error %',
    }),
    lineChart(c.trainLoss, {
      title: 'training loss (CE or KD) per epoch',
      xLabel: 'epoch',
      yLabel: 'loss',
    }),
  ];
  if (c.abLoss.length > 0) {
    charts.push(
      lineChart(c.similarity, {
        title: 'activation similarity % per tap (AB stage)',
        xLabel: 'AB epoch',
        yLabel: 'similarity %',
      }),
    );
    charts.push(
      lineChart(c.abLoss, { title: 'AB loss per epoch', xLabel: 'AB epoch', yLabel: 'AB loss' }),
    );
  }
  return `<div class="charts">${charts.join('\n')}</div>`;
}
