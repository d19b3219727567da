import { hasInitStage, RunMethod } from '@abd/train';
import { lineChart, Series } from './chart';
import { METHOD_COLORS, methodColor, RUN_DASHES, tapColor } from './colors';
import { StageHistory } from './store-view';

/** A chart's worth of series: one per method (or tap), grouped by what their y means. */
export interface CurveGroup {
  /** What the y values are (a loss's name, or which test images); charts are one per key. */
  key: string;
  series: Series[];
}

/** The series of a run's charts, built from its stages' saved epoch events. */
export interface RunCurves {
  /** Test error %: per-epoch curve on a fixed subset, or (older runs) the full test passes. */
  testError: CurveGroup[];
  /** Training losses, one group per kind (CE, KD·T², AB loss, …): kinds never share an axis. */
  losses: CurveGroup[];
  similarity: Series[];
}

function add(groups: CurveGroup[], key: string, s: Series): void {
  let g = groups.find((x) => x.key === key);
  if (!g) groups.push((g = { key, series: [] }));
  g.series.push(s);
}

/** The loss of a classify epoch saved before events named it: CE unless the method distils. */
const legacyLossName = (owner: string) =>
  ['none', 'teacher', 'ab+ce'].includes(owner) ? 'CE' : 'KD';

const STAGE1_LOSS: Record<string, string> = {
  'ab-init': 'AB loss',
  'feature-init': 'stage-1 feature loss',
};

/**
 * x is the student's epoch counted over both stages (AB+KD's classification starts at E₁+1),
 * so none, KD and AB+KD line up on one axis; the teacher counts its own epochs. Colours are
 * the method's (or the tap's) whatever the order; `run` (0, 1, …) picks a dash per run.
 */
export function runCurves(histories: StageHistory[], e1?: number, prefix = '', run = 0): RunCurves {
  const out: RunCurves = { testError: [], losses: [], similarity: [] };
  const dash = RUN_DASHES[run % RUN_DASHES.length] || undefined;
  const stage1 = (owner: string) =>
    e1 ?? histories.find((h) => h.owner === owner && STAGE1_LOSS[h.stage])?.events.length ?? 0;
  // Series in one fixed method order (teacher last), whatever order the store lists them in.
  const known = Object.keys(METHOD_COLORS).filter((m) => m !== 'teacher');
  const order = (h: StageHistory) =>
    h.owner === 'teacher' ? 1000 : known.includes(h.owner) ? known.indexOf(h.owner) : 500;
  const sorted = [...histories].sort(
    (a, b) => order(a) - order(b) || a.owner.localeCompare(b.owner),
  );
  for (const h of sorted) {
    const name = `${prefix}${h.owner}`;
    const color = methodColor(h.owner);
    const events = [...h.events].sort((a, b) => a.epoch - b.epoch);
    if (STAGE1_LOSS[h.stage]) {
      const kind = h.stage === 'ab-init' ? 'AB loss' : `${h.owner} ${STAGE1_LOSS[h.stage]}`;
      add(out.losses, kind, {
        name,
        color,
        dash,
        points: events.filter((e) => e.ab).map((e) => [e.epoch + 1, e.ab!.loss]),
      });
      const taps = Math.max(0, ...events.map((e) => e.ab?.similarity.length ?? 0));
      for (let t = 0; t < taps; t++) {
        out.similarity.push({
          name: `${name} tap${t + 1}`,
          color: tapColor(`tap${t + 1}`),
          dash,
          points: events
            .filter((e) => e.ab && e.ab.similarity[t] !== undefined)
            .map((e) => [e.epoch + 1, 100 * e.ab!.similarity[t]]),
        });
      }
      continue;
    }
    const staged =
      hasInitStage(h.owner as RunMethod) ||
      histories.some((o) => o.owner === h.owner && STAGE1_LOSS[o.stage]);
    const offset = h.stage === 'classify' && staged ? stage1(h.owner) : 0;
    const cls = events.filter((e) => e.classify);
    const x = (epoch: number) => offset + epoch + 1;
    // A history may change loss name only if its config changed; group point by point.
    const byLoss = new Map<string, Array<[number, number]>>();
    for (const e of cls) {
      const k = e.classify!.lossName ?? legacyLossName(h.owner);
      if (!byLoss.has(k)) byLoss.set(k, []);
      byLoss.get(k)!.push([x(e.epoch), e.classify!.loss]);
    }
    for (const [k, points] of byLoss) add(out.losses, k, { name, color, dash, points });
    const err = (t: { correct: number; total: number }) => 100 * (1 - t.correct / t.total);
    const curved = cls.filter((e) => e.classify!.curve && e.classify!.curve.total > 0);
    if (curved.length > 0) {
      const sizes = [...new Set(curved.map((e) => e.classify!.curve!.total))];
      add(out.testError, `subset:${sizes.join('/')}`, {
        name,
        color,
        dash,
        points: curved.map((e) => [x(e.epoch), err(e.classify!.curve!)]),
      });
    } else {
      const tested = cls.filter((e) => e.classify!.test && e.classify!.test.total > 0);
      add(out.testError, 'full', {
        name,
        color,
        dash,
        points: tested.map((e) => [x(e.epoch), err(e.classify!.test!)]),
      });
    }
  }
  return out;
}

export function mergeCurves(all: RunCurves[]): RunCurves {
  const out: RunCurves = { testError: [], losses: [], similarity: [] };
  for (const c of all) {
    for (const g of c.testError) for (const s of g.series) add(out.testError, g.key, s);
    for (const g of c.losses) for (const s of g.series) add(out.losses, g.key, s);
    out.similarity.push(...c.similarity);
  }
  return out;
}

const fmtCount = (n: string) => n.replace(/\B(?=(\d{3})+(?!\d))/g, ' ');

/** Title of a test-error chart: which images it measured, and how often. */
export function testErrorTitle(key: string): string {
  if (key === 'full') return 'test error % (full test set, on its testEvery epochs)';
  const n = key.slice('subset:'.length);
  return `test error % on ${fmtCount(n)} held-out test images, every epoch`;
}

export function curvesHtml(c: RunCurves): string {
  const charts: string[] = [];
  for (const g of c.testError.length ? c.testError : [{ key: 'full', series: [] }]) {
    charts.push(
      lineChart(g.series, {
        title: testErrorTitle(g.key),
        xLabel: 'epoch',
        yLabel: 'test error %',
        unit: ' %',
      }),
    );
  }
  // CE first, then the distillation losses, then stage 1's: the same order on every page.
  const rank = (k: string) => (k === 'CE' ? 0 : k === 'AB loss' || /feature loss$/.test(k) ? 2 : 1);
  const losses = [...c.losses].sort((a, b) => rank(a.key) - rank(b.key));
  for (const g of losses.filter((l) => rank(l.key) < 2))
    charts.push(
      lineChart(g.series, { title: `training loss: ${g.key}`, xLabel: 'epoch', yLabel: g.key }),
    );
  if (c.similarity.length > 0)
    charts.push(
      lineChart(c.similarity, {
        title: 'activation similarity % per tap (AB stage)',
        xLabel: 'AB epoch',
        yLabel: 'similarity %',
        unit: ' %',
      }),
    );
  for (const g of losses.filter((l) => rank(l.key) === 2))
    charts.push(
      lineChart(g.series, {
        title: `training loss: ${g.key}`,
        xLabel: 'stage-1 epoch',
        yLabel: g.key,
      }),
    );
  const subset = c.testError.some((g) => g.key.startsWith('subset:'));
  const note = subset
    ? '<p class="muted curve-note">The per-epoch test error is measured on a fixed, stratified subset of the test set (the same images for every method and run) so that each epoch costs little; the results table gives the full test set.</p>'
    : '';
  return `${note}<div class="charts">${charts.join('\n')}</div>`;
}
