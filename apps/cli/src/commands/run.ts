import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import {
  checkpointRef,
  describeRecipe,
  parseRunConfig,
  preflightRun,
  resolveRunPaths,
  RunConfig,
  runPipeline,
  RunResult,
} from '@abd/train';
import { referenceFor } from '@abd/ui';
import { checkFlags, ParsedArgs, str, UsageError } from '../args';
import { confirmDestructive, rerunCommand } from '../confirm';
import { backendOf, storeOf } from '../context';
import { consoleReporter, interruptSignal } from '../progress';
import { reportMarkdown, resultTable } from '../report';
import { studentsLine } from './export';

export const RUN_FLAGS = ['store', 'backend', 'run-id', 'fresh', 'yes', 'quiet'] as const;

const OVERRIDE = /^([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)=(.*)$/s;

/**
 * Reads a config file; `overrides` (`train.lr=0.05`, values in YAML syntax) are applied to the
 * file's tree before validation, so they meet exactly the file's schema and error messages.
 * Relative paths in it (teacher.checkpoint, dataset.dir, dataset.path) are made absolute against
 * the current directory, the one `baseDir` returned.
 */
export function readConfig(
  path: string,
  overrides: string[] = [],
  command = 'run',
): { cfg: RunConfig; baseDir: string } {
  const bad = overrides.find((o) => !OVERRIDE.test(o));
  if (bad !== undefined)
    throw new UsageError(
      `abd ${command}: extra argument '${bad}' (after the config only key=value overrides, e.g. train.lr=0.05)`,
    );
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read config ${path}: ${(e as Error).message}`);
  }
  if (overrides.length > 0) {
    let tree: Record<string, unknown>;
    try {
      tree = (parseYaml(text) ?? {}) as Record<string, unknown>;
    } catch {
      parseRunConfig(text, path); // reports the YAML error
      throw new UsageError(`cannot read config ${path}`);
    }
    for (const o of overrides) {
      const m = OVERRIDE.exec(o)!;
      const keys = m[1].split('.');
      let node = tree;
      for (const k of keys.slice(0, -1)) {
        if (typeof node[k] !== 'object' || node[k] === null || Array.isArray(node[k])) node[k] = {};
        node = node[k] as Record<string, unknown>;
      }
      node[keys[keys.length - 1]] = parseYaml(m[2]);
    }
    text = stringifyYaml(tree);
  }
  const cwd = process.cwd();
  return { cfg: resolveRunPaths(parseRunConfig(text, path), cwd), baseDir: cwd };
}

export function runIdOf(cfg: RunConfig, args: ParsedArgs): string {
  const id = str(args, 'run-id') ?? cfg.name.replace(/\//g, '--');
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(id))
    throw new UsageError(`invalid run id '${id}'`);
  return id;
}

/** `abd run <config.yaml>`: teacher → stage 1 → stage 2 → evaluation → report in the store. */
export async function runCommand(
  args: ParsedArgs,
  override?: (c: RunConfig) => RunConfig,
  name = 'run',
): Promise<RunResult | undefined> {
  checkFlags(args, [...RUN_FLAGS, 'print-config'], name);
  const path = args.positionals[0];
  if (!path)
    throw new UsageError(`usage: abd ${name} <config.yaml> [--store URL] [--run-id ID] [--fresh]`);
  const read = readConfig(resolve(path), args.positionals.slice(1), name);
  const cfg = override ? override(read.cfg) : read.cfg;
  if (args.flags.has('print-config')) {
    process.stdout.write(`# recipe: ${describeRecipe(cfg)}\n${stringifyYaml(cfg)}`);
    return undefined;
  }
  // The config's path made absolute, so the rerun hint and the report's command work from anywhere.
  const words = process.argv.slice(2).map((w) => (w === path ? resolve(path) : w));
  return runConfig(cfg, args, read.baseDir, name, words);
}

/** `words`: the command line as typed (after `abd`), for the rerun hint and the report. */
export async function runConfig(
  cfg: RunConfig,
  args: ParsedArgs,
  baseDir: string,
  name: string,
  words: string[],
): Promise<RunResult> {
  const store = storeOf(args);
  // Files, checkpoint and arch are checked before the backend starts or any data is read.
  await preflightRun(cfg, { store, cwd: baseDir });
  const info = await backendOf(args);
  const runId = runIdOf(cfg, args);
  const command = rerunCommand(words, { store: store.url, runId, backend: info.backend });
  if (args.flags.has('fresh')) {
    const files = await store.list(`runs/${runId}/`);
    if (files.length > 0) {
      if (
        !(await confirmDestructive(
          args,
          name,
          `the ${files.length} stored files of run ${runId} in ${store.url}`,
        ))
      ) {
        throw new UsageError(`abd ${name}: not confirmed; nothing was deleted`);
      }
      for (const o of files) await store.delete(o.key);
    }
  }
  console.log(
    `abd: run ${runId} on ${info.backend}${info.native?.loaded ? ' + native kernels' : ''}; store ${store.url}`,
  );
  const finishedBefore = await store.exists(`runs/${runId}/result.json`);
  if (finishedBefore) {
    console.log(
      `abd: this run finished before; showing its stored results (add --fresh to train again)`,
    );
  } else if ((await store.list(`runs/${runId}/`)).length > 0) {
    console.log(
      `abd: resuming the unfinished run from its checkpoints (add --fresh to start over)`,
    );
  }
  const t0 = performance.now();
  const reporter = consoleReporter({ quiet: args.flags.has('quiet') });
  const result = await runPipeline(cfg, {
    store,
    runId,
    baseDir,
    signal: interruptSignal(),
    onEvent: reporter,
  }).finally(() => reporter.close());
  if (result.cancelled) {
    console.log(`\nabd: stopped; rerun \`${command}\` to resume from the last checkpoint.`);
    process.exitCode = 130;
    return result;
  }
  const ref = runReference(cfg, baseDir);
  const students = studentsLine(result, store.url);
  const md = reportMarkdown(result, ref, command, students);
  // A finished run's report keeps the command that made it.
  if (!finishedBefore || !(await store.exists(`runs/${runId}/report.md`)))
    await store.put(`runs/${runId}/report.md`, md);
  console.log(resultSummary(cfg, result, baseDir));
  console.log(
    `\nTotal ${(performance.now() - t0) / 1000 >= 60 ? `${((performance.now() - t0) / 60000).toFixed(1)} min` : `${((performance.now() - t0) / 1000).toFixed(0)} s`}; report: ${store.url}/runs/${runId}/report.md`,
  );
  console.log(students);
  return result;
}

function teacherEpochsOf(cfg: RunConfig, baseDir: string): number | undefined {
  try {
    const ref = checkpointRef(cfg.teacher.checkpoint!, baseDir);
    if (ref.kind !== 'disk') return undefined;
    const json = JSON.parse(readFileSync(resolve(ref.dir, 'model.json'), 'utf8'));
    return json.metadata?.epochs;
  } catch {
    return undefined;
  }
}

function runReference(cfg: RunConfig, baseDir: string): ReturnType<typeof referenceFor> {
  const teacherEpochs = cfg.teacher.checkpoint ? teacherEpochsOf(cfg, baseDir) : cfg.teacher.epochs;
  return referenceFor(cfg, teacherEpochs);
}

/**
 * What a finished run prints: the teacher's error, the student and its data, the table (with the
 * PyTorch reference when the setting has one). `abd run --remote` prints the same from the jobs'
 * stored results.
 */
export function resultSummary(cfg: RunConfig, result: RunResult, baseDir: string): string {
  const ref = runReference(cfg, baseDir);
  return [
    `\nTeacher ${cfg.teacher.arch}: test error ${result.teacher.errorPct.toFixed(2)} %`,
    `Student ${cfg.student.arch}, ${result.trainSize} training images, E₁+E₂ = ${cfg.epochs.e1}+${cfg.epochs.e2}:\n`,
    resultTable(result, ref),
    ...(ref ? [`\nReference: ${ref.label}.`] : []),
  ].join('\n');
}
