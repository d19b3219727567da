import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseRunConfig, RunConfig, runPipeline, RunResult } from '@abd/train';
import { referenceFor } from '@abd/ui';
import { checkFlags, ParsedArgs, str, UsageError } from '../args';
import { confirmDestructive, rerunCommand } from '../confirm';
import { backendOf, REPO_ROOT, storeOf } from '../context';
import { consoleReporter, interruptSignal } from '../progress';
import { reportMarkdown, resultTable } from '../report';

export const RUN_FLAGS = ['store', 'backend', 'run-id', 'fresh', 'yes', 'quiet'] as const;

export function readConfig(path: string): { cfg: RunConfig; baseDir: string } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read config ${path}: ${(e as Error).message}`);
  }
  return { cfg: parseRunConfig(text, path), baseDir: REPO_ROOT };
}

export function runIdOf(cfg: RunConfig, args: ParsedArgs): string {
  const id = str(args, 'run-id') ?? cfg.name.replace(/\//g, '--');
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(id)) throw new UsageError(`invalid run id '${id}'`);
  return id;
}

/** `abd run <config.yaml>`: teacher → stage 1 → stage 2 → evaluation → report in the store. */
export async function runCommand(args: ParsedArgs, override?: (c: RunConfig) => RunConfig, name = 'run'): Promise<RunResult> {
  checkFlags(args, RUN_FLAGS, name);
  const path = args.positionals[0];
  if (!path) throw new UsageError(`usage: abd ${name} <config.yaml> [--store URL] [--run-id ID] [--fresh]`);
  const read = readConfig(resolve(path));
  const cfg = override ? override(read.cfg) : read.cfg;
  return runConfig(cfg, args, read.baseDir, name, process.argv.slice(2));
}

/** `words`: the command line as typed (after `abd`), for the rerun hint and the report. */
export async function runConfig(cfg: RunConfig, args: ParsedArgs, baseDir: string, name: string, words: string[]): Promise<RunResult> {
  const info = await backendOf(args);
  const store = storeOf(args);
  const runId = runIdOf(cfg, args);
  const command = rerunCommand(words, { store: store.url, runId, backend: info.backend });
  if (args.flags.has('fresh')) {
    const files = await store.list(`runs/${runId}/`);
    if (files.length > 0) {
      if (!(await confirmDestructive(args, name, `the ${files.length} stored files of run ${runId} in ${store.url}`))) {
        throw new UsageError(`abd ${name}: not confirmed; nothing was deleted`);
      }
      for (const o of files) await store.delete(o.key);
    }
  }
  console.log(`abd: run ${runId} on ${info.backend}${info.native?.loaded ? ' + native kernels' : ''}; store ${store.url}`);
  if (await store.exists(`runs/${runId}/result.json`)) {
    console.log(`abd: this run finished before; showing its stored results (add --fresh to train again)`);
  } else if ((await store.list(`runs/${runId}/`)).length > 0) {
    console.log(`abd: resuming the unfinished run from its checkpoints (add --fresh to start over)`);
  }
  const t0 = performance.now();
  const result = await runPipeline(cfg, {
    store,
    runId,
    baseDir,
    signal: interruptSignal(),
    onEvent: consoleReporter({ quiet: args.flags.has('quiet') }),
  });
  if (result.cancelled) {
    console.log(`\nabd: stopped; rerun \`${command}\` to resume from the last checkpoint.`);
    process.exitCode = 130;
    return result;
  }
  const teacherEpochs = cfg.teacher.checkpoint ? teacherEpochsOf(cfg, baseDir) : cfg.teacher.epochs;
  const ref = referenceFor(cfg, teacherEpochs);
  const md = reportMarkdown(result, ref, command);
  await store.put(`runs/${runId}/report.md`, md);
  console.log(`\nTeacher ${cfg.teacher.arch}: test error ${result.teacher.errorPct.toFixed(2)} %`);
  console.log(`Student ${cfg.student.arch}, ${result.trainSize} training images, E₁+E₂ = ${cfg.epochs.e1}+${cfg.epochs.e2}:\n`);
  console.log(resultTable(result, ref));
  if (ref) console.log(`\nReference: ${ref.label}.`);
  console.log(`\nTotal ${(performance.now() - t0) / 1000 >= 60 ? `${((performance.now() - t0) / 60000).toFixed(1)} min` : `${((performance.now() - t0) / 1000).toFixed(0)} s`}; report: ${store.url}/runs/${runId}/report.md`);
  return result;
}

function teacherEpochsOf(cfg: RunConfig, baseDir: string): number | undefined {
  try {
    const json = JSON.parse(readFileSync(resolve(baseDir, cfg.teacher.checkpoint!, 'model.json'), 'utf8'));
    return json.metadata?.epochs;
  } catch {
    return undefined;
  }
}
