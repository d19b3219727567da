import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { openStore } from '@abd/artifacts';
import {
  formatEpochLog,
  getCheckpoint,
  loadRunData,
  preflightRun,
  putCheckpoint,
  trainTeacher,
  TrainEvent,
} from '@abd/train';
import { sha256 } from '@abd/models';
import { checkFlags, ParsedArgs, str, UsageError } from '../args';
import { rerunCommand } from '../confirm';
import { backendOf, storeOf } from '../context';
import { consoleReporter, interruptSignal } from '../progress';
import { readConfig, runIdOf } from './run';

/**
 * `abd train <config.yaml> [--out DIR]`: trains the config's teacher with CE on the full
 * training set; checkpoints go to the store (resumable); with --out the final checkpoint,
 * the epoch log and SHA256SUMS are also written to DIR.
 */
export async function trainCommand(args: ParsedArgs): Promise<void> {
  checkFlags(args, ['store', 'backend', 'run-id', 'out', 'quiet'], 'train');
  const path = args.positionals[0];
  if (!path) throw new UsageError('usage: abd train <config.yaml> [--out DIR] [--store URL]');
  const { cfg } = readConfig(resolve(path));
  // The dataset's paths are checked before any work (the teacher is trained, so its checkpoint is not read).
  await preflightRun({ ...cfg, teacher: { ...cfg.teacher, checkpoint: undefined } });
  const info = await backendOf(args);
  const store = storeOf(args);
  const runId = runIdOf(cfg, args);
  const out = str(args, 'out');
  const logLines: string[] = [
    `# abd train ${path}`,
    `# backend ${info.backend}${info.native?.loaded ? ' + native kernels' : ''}`,
  ];
  const show = consoleReporter({ quiet: args.flags.has('quiet') });
  const onEvent = (e: TrainEvent) => {
    show(e);
    if (e.type === 'epoch') logLines.push(formatEpochLog(e));
  };
  onEvent({
    type: 'phase',
    phase: 'load-data',
    label: cfg.dataset.name,
    text: `loading ${cfg.dataset.name}`,
  });
  const data = await loadRunData({ ...cfg, dataset: { ...cfg.dataset, subset: undefined } });
  const dir = `runs/${runId}/teacher`;
  const t0 = performance.now();
  const r = await trainTeacher(cfg, data.train, data.test, data.stats, store, dir, {
    signal: interruptSignal(),
    onEvent,
  }).finally(() => show.close());
  r.model.dispose();
  if (r.cancelled) {
    console.log(
      `\nabd train: stopped; rerun \`${rerunCommand(process.argv.slice(2), { store: store.url, runId, backend: info.backend })}\` to resume.`,
    );
    process.exitCode = 130;
    return;
  }
  const saved = await getCheckpoint(store, dir);
  const err = (saved.json.metadata as { testErrorPct: number }).testErrorPct;
  console.log(
    `\nteacher ${cfg.teacher.arch}: test error ${err.toFixed(2)} % after ${cfg.teacher.epochs} epochs (${((performance.now() - t0) / 60000).toFixed(1)} min); ${store.url}/${dir}`,
  );
  if (out) {
    const abs = resolve(out);
    mkdirSync(abs, { recursive: true });
    const target = openStore(dirname(abs));
    await putCheckpoint(target, basename(abs), saved.model, saved.json.metadata);
    const weights = await target.get(`${basename(abs)}/weights.bin`);
    const json = await target.get(`${basename(abs)}/model.json`);
    writeFileSync(
      join(abs, 'SHA256SUMS'),
      `${sha256(json)}  model.json\n${sha256(weights)}  weights.bin\n`,
    );
    writeFileSync(join(abs, 'train.log'), `${logLines.join('\n')}\n`);
    appendFileSync(join(abs, 'train.log'), `# test error ${err.toFixed(2)} %\n`);
    console.log(`wrote ${abs}/{model.json,weights.bin,SHA256SUMS,train.log}`);
  }
  saved.model.dispose();
}
