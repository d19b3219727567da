import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { NotFoundError } from '@abd/artifacts';
import { channelStats, DatasetName, loadDataset } from '@abd/data';
import { RunResult } from '@abd/train';
import { checkpointGraph, EXPORT_FORMATS, ExportFormat, writeExport } from '@abd/models';
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
  if (!(EXPORT_FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be one of ${EXPORT_FORMATS.join(', ')}; got '${format}'`);
  await backendOf(args);
  const { json, weights, source } = await readStudent(ref, args);
  const graph = { ...checkpointGraph(json, weights, source), normalization: await normalizationOf(json) };
  const files = await writeExport(graph, format as ExportFormat, resolve(out));
  console.log(`abd: exported ${graph.name} (${graph.inChannels} input channels, ${graph.numClasses} classes) from ${source} as ${format}:`);
  for (const f of files) console.log(`  ${f}`);
  const norm = graph.normalization;
  console.log(norm ? `input: (x/255 - mean) / std per channel, mean [${norm.mean.map((v) => v.toFixed(4))}], std [${norm.std.map((v) => v.toFixed(4))}] (in the export's metadata)` : `input: normalized per channel; the statistics are not known (the run's training set could not be read) and are not in the export`);
}

/** The statistics the run normalized with: those of its whole training set (as the pipeline computes them). */
async function normalizationOf(jsonText: string): Promise<{ mean: number[]; std: number[] } | undefined> {
  const ds = (JSON.parse(jsonText) as { metadata?: { config?: { dataset?: { name?: string; dir?: string } } } }).metadata?.config?.dataset;
  if (!ds?.name) return undefined;
  try {
    return channelStats(await loadDataset(ds.name as DatasetName, 'train', ds.dir ? { dir: ds.dir } : {}));
  } catch {
    return undefined;
  }
}

async function readStudent(ref: string, args: ParsedArgs): Promise<{ json: string; weights: Uint8Array; source: string }> {
  const dir = resolve(ref);
  if (existsSync(join(dir, 'model.json'))) {
    return { json: readFileSync(join(dir, 'model.json'), 'utf8'), weights: readFileSync(join(dir, 'weights.bin')), source: dir };
  }
  const parts = ref.split('/');
  if (parts.length !== 2 || !parts[0] || !parts[1]) throw new UsageError(`'${ref}' is neither a checkpoint directory nor <run-id>/<method>\n${USAGE}`);
  const store = storeOf(args);
  const key = `runs/${parts[0]}/${parts[1]}/final`;
  try {
    const [json, weights] = await Promise.all([store.getText(`${key}/model.json`), store.get(`${key}/weights.bin`)]);
    return { json, weights, source: `${store.url}/${key}` };
  } catch (e) {
    if (!(e instanceof NotFoundError)) throw e;
    const have = (await store.list(`runs/${parts[0]}/`)).map((o) => /^runs\/[^/]+\/([^/]+)\/final\/model\.json$/.exec(o.key)?.[1]).filter((m): m is string => !!m);
    throw new UsageError(`no student at ${store.url}/${key}${have.length ? ` (finished students of run ${parts[0]}: ${have.join(', ')})` : ` (run ${parts[0]} has no finished student in this store)`}`);
  }
}
