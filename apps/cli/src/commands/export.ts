import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { NotFoundError } from '@abd/artifacts';
import { channelStats, DatasetName, loadDataset } from '@abd/data';
import { DataDescription, RunResult } from '@abd/train';
import { mkdir, writeFile } from 'node:fs/promises';
import {
  checkpointGraph,
  EXPORT_FORMATS,
  ExportFormat,
  loadTfjsStudent,
  writeExport,
} from '@abd/models';
import { checkFlags, ParsedArgs, str, UsageError } from '../args';
import { shellQuote } from '../confirm';
import { backendOf, storeOf } from '../context';

const USAGE = `usage: abd export <run-id>/<method> --format ${EXPORT_FORMATS.join('|')} --out DIR [--store URL]
       abd export <checkpoint dir> --format … --out DIR`;

/** Where a run's students are and the command that exports one (report and `abd run`'s last line). */
export function studentsLine(r: RunResult, storeUrl: string): string {
  const methods = r.results.map((m) => m.method);
  if (methods.length === 0) return 'No student was trained.';
  const best = r.results.reduce((a, b) => (b.errorPct < a.errorPct ? b : a)).method;
  // The store is always named: the default one depends on the directory the run was started in.
  return (
    `Students: ${storeUrl}/runs/${r.runId}/{${methods.join(',')}}/final; ` +
    `export one with: abd export ${r.runId}/${best} --format onnx --out ${r.runId}-${best.replace(/\+/g, '-')} --store ${shellQuote(storeUrl)} ` +
    `(formats: ${EXPORT_FORMATS.join(', ')})`
  );
}

/**
 * `abd export`: a run's distilled student (store key `runs/<id>/<method>/final`) or a checkpoint
 * directory, written in a format stock libraries load (tfjs LayersModel, ONNX).
 */
export async function exportCommand(args: ParsedArgs): Promise<void> {
  checkFlags(args, ['store', 'backend', 'format', 'out'], 'export');
  const ref = args.positionals[0];
  const format = str(args, 'format');
  const out = str(args, 'out');
  if (!ref || !format || !out || args.positionals.length > 1) throw new UsageError(USAGE);
  if (!(EXPORT_FORMATS as readonly string[]).includes(format))
    throw new UsageError(`--format must be one of ${EXPORT_FORMATS.join(', ')}; got '${format}'`);
  await backendOf(args);
  const { json, weights, source, data } = await readStudent(ref, args);
  if (
    (JSON.parse(json) as { modelTopology?: { class_name?: string } }).modelTopology?.class_name ===
    'TfjsLayers'
  ) {
    await exportTfjsStudent(
      json,
      weights,
      source,
      format,
      resolve(out),
      data?.normalization ?? (await normalizationOf(json)),
    );
    return;
  }
  const graph = {
    ...checkpointGraph(json, weights, source),
    normalization: data?.normalization ?? (await normalizationOf(json)),
  };
  const files = await writeExport(graph, format as ExportFormat, resolve(out));
  console.log(
    `abd: exported ${graph.name} (${graph.inChannels} input channels, ${graph.numClasses} classes) from ${source} as ${format}:`,
  );
  for (const f of files) console.log(`  ${f}`);
  const norm = graph.normalization;
  console.log(
    norm
      ? `input: (x/255 - mean) / std per channel, mean [${norm.mean.map((v) => v.toFixed(4))}], std [${norm.std.map((v) => v.toFixed(4))}] (in the export's metadata)`
      : `input: normalized per channel; the statistics are not known (the run's training set could not be read) and are not in the export`,
  );
}

/** A tfjs-layers student (a user's architecture) is written back as what it came as: a tfjs LayersModel. */
async function exportTfjsStudent(
  json: string,
  weights: Uint8Array,
  source: string,
  format: string,
  dir: string,
  normalization?: { mean: number[]; std: number[] },
): Promise<void> {
  if (format !== 'tfjs-layers')
    throw new UsageError(
      `a tfjs-layers student (a user's architecture) exports as tfjs-layers only; got --format ${format}`,
    );
  const { model, extra } = await loadTfjsStudent(json, weights, source);
  for (const t of extra.values()) t.dispose();
  try {
    const files = await model.saveLayers();
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'weights.bin'), files.weights);
    await writeFile(
      join(dir, 'model.json'),
      JSON.stringify({
        ...files.modelJson,
        userDefinedMetadata: { taps: model.tapNames, ...(normalization ? { normalization } : {}) },
      }),
    );
    console.log(
      `abd: exported the tfjs-layers student (taps ${model.tapNames.join(', ')}) from ${source} as tfjs-layers:`,
    );
    for (const f of ['model.json', 'weights.bin']) console.log(`  ${join(dir, f)}`);
  } finally {
    model.dispose();
  }
}

/** The statistics the run normalized with: those of its whole training set (as the pipeline computes them). */
async function normalizationOf(
  jsonText: string,
): Promise<{ mean: number[]; std: number[] } | undefined> {
  const ds = (
    JSON.parse(jsonText) as {
      metadata?: { config?: { dataset?: { name?: string; dir?: string } } };
    }
  ).metadata?.config?.dataset;
  if (!ds?.name) return undefined;
  try {
    return channelStats(
      await loadDataset(ds.name as DatasetName, 'train', ds.dir ? { dir: ds.dir } : {}),
    );
  } catch {
    return undefined;
  }
}

/** A run's student, and the run's `data.json` when it has one (the statistics it normalized with, any dataset). */
async function readStudent(
  ref: string,
  args: ParsedArgs,
): Promise<{ json: string; weights: Uint8Array; source: string; data?: DataDescription }> {
  const dir = resolve(ref);
  if (existsSync(join(dir, 'model.json'))) {
    return {
      json: readFileSync(join(dir, 'model.json'), 'utf8'),
      weights: readFileSync(join(dir, 'weights.bin')),
      source: dir,
    };
  }
  const parts = ref.split('/');
  if (parts.length !== 2 || !parts[0] || !parts[1])
    throw new UsageError(
      `'${ref}' is neither a checkpoint directory nor <run-id>/<method>\n${USAGE}`,
    );
  const store = storeOf(args);
  const key = `runs/${parts[0]}/${parts[1]}/final`;
  try {
    const [json, weights] = await Promise.all([
      store.getText(`${key}/model.json`),
      store.get(`${key}/weights.bin`),
    ]);
    const data = (await store.exists(`runs/${parts[0]}/data.json`))
      ? await store.getJson<DataDescription>(`runs/${parts[0]}/data.json`)
      : undefined;
    return { json, weights, source: `${store.url}/${key}`, data };
  } catch (e) {
    if (!(e instanceof NotFoundError)) throw e;
    const have = (await store.list(`runs/${parts[0]}/`))
      .map((o) => /^runs\/[^/]+\/([^/]+)\/final\/model\.json$/.exec(o.key)?.[1])
      .filter((m): m is string => !!m);
    throw new UsageError(
      `no student at ${store.url}/${key}${have.length ? ` (finished students of run ${parts[0]}: ${have.join(', ')})` : ` (run ${parts[0]} has no finished student in this store)`}`,
    );
  }
}
