import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { reproMarkdown, reproSvg } from './report';
import { runSweep, SweepOptions, sweepPrefix, SweepResult } from './sweep';

export interface ReproOptions extends SweepOptions {
  /** Also write `<experiment>-<dataset>-<scale>.{json,md,svg}` here (e.g. docs/results). */
  outDir?: string;
  /** The command line, recorded in the table. */
  command?: string;
  /** Machine description recorded in the JSON (CPU, cores, backend). */
  machine?: Record<string, unknown>;
}

export interface ReproOutput {
  result: SweepResult;
  markdown: string;
  svg: string;
  /** Store keys and, with outDir, file paths written. */
  written: string[];
}

/** Runs (or resumes) an experiment's sweep and writes its table, plot and JSON. */
export async function runRepro(o: ReproOptions): Promise<ReproOutput> {
  const result = await runSweep(o);
  const markdown = reproMarkdown(result, o.command);
  const svg = reproSvg(result);
  const json = JSON.stringify(
    { ...result, command: o.command, machine: o.machine, finishedAt: new Date().toISOString() },
    null,
    1,
  );
  const prefix = sweepPrefix(result.experiment, result.dataset, result.scale);
  const written: string[] = [];
  for (const [name, text] of [
    ['results.json', json],
    ['table.md', markdown],
    ['plot.svg', svg],
  ] as const) {
    await o.store.put(`${prefix}/${name}`, text);
    written.push(`${o.store.url}/${prefix}/${name}`);
  }
  if (o.outDir) {
    mkdirSync(o.outDir, { recursive: true });
    const base = join(o.outDir, `${result.experiment}-${result.dataset}-${result.scale}`);
    for (const [ext, text] of [
      ['json', json],
      ['md', markdown],
      ['svg', svg],
    ] as const) {
      writeFileSync(`${base}.${ext}`, text);
      written.push(`${base}.${ext}`);
    }
  }
  return { result, markdown, svg, written };
}
