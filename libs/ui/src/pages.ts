import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ArtifactStore, validateKey } from '@abd/artifacts';
import type { RunConfig } from '@abd/train';
import { Reference, referenceFor } from './references';
import { barChart } from './chart';
import { curvesHtml, mergeCurves, runCurves } from './curves';
import { esc, fmtPct, fmtSeconds, href, page, table } from './html';
import { progressText } from './progress';
import { JobInfo, runHistories, RunSummary, tryJson, wallSeconds } from './store-view';

const statusBadge = (s: string) => `<span class="status s-${esc(s)}">${esc(s)}</span>`;
const when = (d: Date) => esc(d.toISOString().replace('T', ' ').slice(0, 19));

function setting(cfg: RunConfig | undefined): string {
  if (!cfg) return '<span class="muted">—</span>';
  const sub = cfg.dataset.subset;
  const data = sub
    ? sub.count
      ? `${sub.count} images`
      : `${(100 * (sub.fraction ?? 1)).toFixed(1)} %`
    : '100 %';
  return esc(
    `${cfg.dataset.name}, ${cfg.teacher.arch} → ${cfg.student.arch}, ${data}, E₁+E₂ = ${cfg.epochs.e1}+${cfg.epochs.e2}`,
  );
}

const isLive = (r: RunSummary) => r.status === 'running' || r.status === 'queued';

/** An unfinished run's position and ETA, from its saved epochs. */
function progressLine(r: RunSummary): string {
  return r.progress
    ? `<span class="progress">${esc(progressText(r.progress, isLive(r)))}</span>`
    : '';
}

function errors(r: RunSummary): string {
  if (r.result)
    return r.result.results.map((m) => `${esc(m.method)} <b>${fmtPct(m.errorPct)}</b>`).join(' · ');
  if (r.progress) return progressLine(r);
  if (r.job && r.job.totalEpochs)
    return esc(`${r.job.stage ?? ''} epoch ${r.job.epoch}/${r.job.totalEpochs}`);
  return '<span class="muted">—</span>';
}

export function runsPage(runs: RunSummary[], jobs: JobInfo[], storeUrl: string): string {
  const rows = runs.map((r) => [
    `<input type="checkbox" name="run" value="${esc(r.id)}" form="compare"> <a class="run-link" href="${href('runs', r.id)}">${esc(r.id)}</a>`,
    statusBadge(r.status),
    setting(r.config),
    errors(r),
    fmtSeconds(wallSeconds(r)),
    when(r.updated),
  ]);
  const live = runs.some((r) => r.status === 'running' || r.status === 'queued');
  const jobRows = jobs.map((j) => [
    runs.some((r) => r.id === j.id)
      ? `<a href="${href('runs', j.id)}">${esc(j.id)}</a>`
      : esc(j.id),
    statusBadge(j.state),
    esc(j.stage ?? ''),
    j.totalEpochs ? esc(`${j.epoch}/${j.totalEpochs}`) : '—',
    j.metrics?.test_error_percent !== undefined ? fmtPct(j.metrics.test_error_percent) : '—',
    esc(j.error ?? ''),
  ]);
  const body = `<h1>Runs</h1><p class="muted">store ${esc(storeUrl)} · ${runs.length} run(s)${live ? ' · refreshing every 5 s while a run is live' : ''}</p>
${runs.length ? table(['run', 'status', 'setting', 'test error % per method (or progress)', 'wall time', 'last write (UTC)'], rows, 'runs') : '<p>No runs in this store yet: <code>abd run &lt;config.yaml&gt;</code> makes one.</p>'}
<form id="compare" method="get" action="/compare" class="inline"><button>overlay the checked runs' curves</button></form>
${jobs.length ? `<h2>Student-trainer jobs</h2>${table(['job', 'state', 'stage', 'epoch', 'test error %', 'error'], jobRows, 'jobs')}` : ''}`;
  return page('Runs', body, live ? { refresh: 5 } : {});
}

/** How many epochs the teacher of a run was trained (its checkpoint's metadata), for the reference lookup. */
export async function teacherEpochs(
  store: ArtifactStore,
  cfg: RunConfig,
  repoRoot: string,
): Promise<number | undefined> {
  const ref = cfg.teacher.checkpoint;
  if (!ref) return cfg.teacher.epochs;
  try {
    return JSON.parse(readFileSync(resolve(repoRoot, ref, 'model.json'), 'utf8')).metadata?.epochs;
  } catch {
    try {
      return (
        await tryJson<{ metadata?: { epochs?: number } }>(store, `${validateKey(ref)}/model.json`)
      )?.metadata?.epochs;
    } catch {
      return undefined;
    }
  }
}

function resultRows(r: RunSummary, ref?: Reference): string {
  const res = r.result!;
  const head = ['method', 'test error %', 'test loss', 'similarity tap1/2/3 %', 'time'];
  if (ref) head.push('reference error % (PyTorch)');
  const rows = res.results.map((m) => {
    const row = [
      esc(m.method),
      `<b>${fmtPct(m.errorPct)}</b>`,
      m.testLoss.toFixed(4),
      m.similarity ? m.similarity.map((s) => (100 * s).toFixed(1)).join('/') : '—',
      fmtSeconds(m.seconds),
    ];
    if (ref) row.push(fmtPct(ref.errorPct[m.method]));
    return row;
  });
  return (
    table(head, rows, 'results') +
    (ref
      ? `<p class="muted">Reference: ${esc(ref.label)}${ref.similarity ? `; similarity ${ref.similarity.join('/')} %` : ''}.</p>`
      : '')
  );
}

export async function runPage(
  store: ArtifactStore,
  r: RunSummary,
  repoRoot: string,
): Promise<string> {
  const histories = await runHistories(store, r);
  const curves = runCurves(histories, r.config?.epochs.e1);
  const trainSeconds = histories.reduce(
    (s, h) => s + h.events.reduce((a, e) => a + e.seconds + (e.testSeconds ?? 0), 0),
    0,
  );
  const ref = r.result
    ? referenceFor(r.result.config, await teacherEpochs(store, r.result.config, repoRoot))
    : undefined;
  const report = r.objects.some((o) => o.key === `runs/${r.id}/report.md`)
    ? await store.getText(`runs/${r.id}/report.md`)
    : undefined;
  const teacher = r.result
    ? `teacher ${esc(r.result.teacher.arch)}: test error <b>${fmtPct(r.result.teacher.errorPct)} %</b> <span class="muted">(${esc(r.result.teacher.source)})</span>; ${r.result.trainSize} training images<br>`
    : '';
  const links = r.methods
    .map(
      (m) =>
        `<a class="boundary-link" href="${href('runs', r.id, 'boundaries')}?method=${encodeURIComponent(m)}">${esc(m)}</a>`,
    )
    .join(' · ');
  const body = `<h1>Run ${esc(r.id)} ${statusBadge(r.status)}</h1>
<p>${setting(r.config)}<br>${teacher}wall time ${fmtSeconds(wallSeconds(r))}, training+test time ${fmtSeconds(trainSeconds)}; last write ${when(r.updated)} UTC${r.job ? `; job state ${esc(r.job.state)}${r.job.error ? `: ${esc(r.job.error)}` : ''}` : ''}</p>
${r.result ? `<h2>Results</h2>${resultRows(r, ref)}` : `<p>${r.progress ? `${progressLine(r)}<br>` : ''}<span class="muted">No result yet (the run is not finished).</span></p>`}
<h2>Curves</h2>${curvesHtml(curves)}
<h2>Activation boundaries</h2><p>Sign maps of teacher and student for a test image: ${links || '<span class="muted">no student yet</span>'}</p>
${report ? `<h2>Report</h2><pre>${esc(report)}</pre>` : ''}
${r.config ? `<details><summary>config</summary><pre>${esc(JSON.stringify(r.config, null, 2))}</pre></details>` : ''}`;
  return page(
    `Run ${r.id}`,
    body,
    r.status === 'running' || r.status === 'queued' ? { refresh: 5 } : {},
  );
}

export async function comparePage(store: ArtifactStore, runs: RunSummary[]): Promise<string> {
  const all = [];
  for (const [i, r] of runs.entries())
    all.push(runCurves(await runHistories(store, r), r.config?.epochs.e1, `${r.id}: `, i));
  const merged = mergeCurves(all);
  const body = `<h1>Compare ${runs.length} run(s)</h1><p>${runs.map((r) => `<a href="${href('runs', r.id)}">${esc(r.id)}</a>`).join(' · ')}</p><p class="muted">Colour: the method, the same on every chart; line style: the run (${runs.map((r, i) => `${esc(r.id)} ${['solid', 'dashed', 'dotted', 'dash-dot', 'sparse dots'][i % 5]}`).join(', ')}).</p>${curvesHtml(merged)}`;
  return page('Compare', body);
}

export async function resultsPage(
  store: ArtifactStore,
  runs: RunSummary[],
  repoRoot: string,
): Promise<string> {
  const done = runs.filter((r) => r.result);
  const methods = [...new Set(done.flatMap((r) => r.result!.results.map((m) => m.method)))];
  const rows: string[][] = [];
  const groups: Array<{ name: string; values: Record<string, number | undefined> }> = [];
  for (const r of done) {
    const res = r.result!;
    const ref = referenceFor(res.config, await teacherEpochs(store, res.config, repoRoot));
    const by = Object.fromEntries(res.results.map((m) => [m.method, m]));
    groups.push({
      name: r.id,
      values: Object.fromEntries(methods.map((m) => [m, by[m]?.errorPct])),
    });
    const ab = res.results.find((m) => m.similarity);
    rows.push([
      `<a href="${href('runs', r.id)}">${esc(r.id)}</a>`,
      setting(res.config),
      `${esc(res.teacher.arch)} ${fmtPct(res.teacher.errorPct)}`,
      ...methods.map((m) =>
        by[m]
          ? `<b>${fmtPct(by[m].errorPct)}</b>${ref?.errorPct[m] !== undefined ? ` <span class="muted">(ref ${fmtPct(ref.errorPct[m])})</span>` : ''}`
          : '—',
      ),
      ab
        ? `${ab.similarity!.map((s) => (100 * s).toFixed(1)).join('/')}${ref?.similarity ? ` <span class="muted">(ref ${ref.similarity.join('/')})</span>` : ''}`
        : '—',
    ]);
  }
  const reports = [...(await store.list('repro/')), ...(await store.list('reports/'))].filter((o) =>
    isReportKey(o.key),
  );
  const shown: string[] = [];
  for (const o of reports) {
    const link = `<a href="${href(...o.key.split('/'))}"><code>${esc(o.key)}</code></a>`;
    if (extOf(o.key) === 'md' && o.size < 200_000)
      shown.push(`<h3>${link}</h3><pre>${esc(await store.getText(o.key))}</pre>`);
    else if (['svg', 'png'].includes(extOf(o.key)))
      shown.push(
        `<h3>${link}</h3><img src="${href(...o.key.split('/'))}" alt="${esc(o.key)}" style="max-width:100%;background:#fff">`,
      );
    else shown.push(`<p>${link} (${o.size} bytes)</p>`);
  }
  const body = `<h1>Results</h1><p class="muted">Test error % of every finished run, in the paper's units; in parentheses the PyTorch reference of docs/design.md §9 (Reference results) where one was measured for exactly that setting.</p>
${done.length ? table(['run', 'setting', 'teacher error %', ...methods.map((m) => `${esc(m)} error %`), 'AB similarity tap1/2/3 %'], rows, 'results') : '<p>No finished runs yet.</p>'}
${done.length ? barChart(groups, methods, { title: 'test error % by run and method', xLabel: 'run', yLabel: 'test error %', yInclude: [0] }) : ''}
${shown.length ? `<h2>Experiment tables and plots (<code>abd repro</code>)</h2>${shown.join('\n')}` : ''}`;
  return page('Results', body);
}

/** Files under `reports/` the view serves as they are, by extension. */
export const REPORT_TYPES: Record<string, string> = {
  md: 'text/plain; charset=utf-8',
  json: 'application/json; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
  csv: 'text/plain; charset=utf-8',
};

export const extOf = (key: string) => /\.([a-z]+)$/.exec(key)?.[1] ?? '';

/** The stored files the view shows as they are: `abd repro`'s outputs and anything under reports/. */
export function isReportKey(key: string): boolean {
  if (!REPORT_TYPES[extOf(key)]) return false;
  if (key.startsWith('reports/')) return true;
  return /^repro\/[^/]+\/[^/]+\/[^/]+\/(table\.md|plot\.svg|results\.json)$/.test(key);
}

export function notFoundPage(what: string): string {
  return page('Not found', `<h1>Not found</h1><p>${esc(what)}</p><p><a href="/">all runs</a></p>`);
}
