import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ExportGraph } from './export-graph';
import { toGraphModel } from './export-graph-model';
import { toLayersModel } from './export-layers';
import { toOnnx } from './export-onnx';

export const EXPORT_FORMATS = ['tfjs-layers', 'tfjs-graph', 'onnx'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Writes a graph in one format into `dir`; returns the paths written. */
export async function writeExport(
  g: ExportGraph,
  format: ExportFormat,
  dir: string,
): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  if (format === 'onnx') {
    const path = join(dir, 'model.onnx');
    await writeFile(path, toOnnx(g));
    return [path];
  }
  const files = format === 'tfjs-graph' ? toGraphModel(g) : toLayersModel(g);
  const json = join(dir, 'model.json');
  const shard = join(dir, files.shardName);
  await writeFile(shard, files.shard);
  await writeFile(json, JSON.stringify(files.modelJson));
  return [json, shard];
}
