import { CheckpointError } from './checkpoint';
import { ExportGraph } from './export-graph';
import { wrnGraph } from './export-graph';
import { resnetGraph } from './export-resnet';
import { loadResNet } from './resnet-checkpoint';
import { loadWrn } from './wrn-checkpoint';

/** The export graph of a saved student (abd-checkpoint/v1 bytes), verified first. */
export function checkpointGraph(
  jsonText: string,
  weights: Uint8Array,
  source: string,
): ExportGraph {
  let cls: unknown;
  try {
    cls = (JSON.parse(jsonText) as { modelTopology?: { class_name?: unknown } }).modelTopology
      ?.class_name;
  } catch (e) {
    throw new CheckpointError(`${source}: model.json is not valid JSON (${(e as Error).message})`);
  }
  if (cls === 'WRN') {
    const { model, extra } = loadWrn(jsonText, weights, source);
    try {
      return wrnGraph(model);
    } finally {
      model.dispose();
      for (const t of extra.values()) t.dispose();
    }
  }
  if (cls === 'ResNet') {
    const { model, extra } = loadResNet(jsonText, weights, source);
    try {
      return resnetGraph(model);
    } finally {
      model.dispose();
      for (const t of extra.values()) t.dispose();
    }
  }
  throw new CheckpointError(
    `${source}: cannot export a '${String(cls)}' model (known: WRN, ResNet)`,
  );
}
