import { ArtifactStore, NotFoundError as StoreNotFound } from '@abd/artifacts';
import {
  ChannelStats,
  DATASET_NAMES,
  datasetInfo,
  DatasetCache,
  DatasetName,
  makeBatch,
  subsetIndices,
} from '@abd/data';
import { InvalidArgumentError, NotFoundError, shownName, validateName } from '@abd/grpc-kit';
import { ResNet, Wrn } from '@abd/models';
import { common, evaluator } from '@abd/proto';
import { evaluateYielding, getStudentCheckpoint } from '@abd/train';
import { subsetFromWire } from '@abd/train-io';
import { checkRequest } from './evaluation-request';
import { markdown } from './report-markdown';
import { similarity } from './similarity';

interface Loaded {
  model: Wrn | ResNet;
  dataset?: string;
  stats?: ChannelStats;
}

async function loadModel(
  store: ArtifactStore,
  ref: common.ModelRef | undefined,
  field: string,
): Promise<Loaded> {
  const id = validateName(`${field}.id`, ref?.id);
  const key = ref?.epoch
    ? `models/${id}/epoch-${String(ref.epoch).padStart(4, '0')}`
    : `models/${id}`;
  try {
    const ck = await getStudentCheckpoint(store, key);
    for (const t of ck.extra.values()) t.dispose();
    if (!(ck.model instanceof Wrn || ck.model instanceof ResNet)) {
      ck.model.dispose();
      throw new InvalidArgumentError(
        `${field}.id`,
        `model '${id}' is a tfjs-layers student; the evaluator serves WRN and ResNet models`,
      );
    }
    const m = ck.json.metadata as {
      dataset?: string;
      normalization?: ChannelStats;
      config?: { dataset?: { name?: string } };
    };
    return {
      model: ck.model,
      dataset: m.dataset ?? m.config?.dataset?.name,
      stats: m.normalization,
    };
  } catch (e) {
    if (e instanceof StoreNotFound)
      throw new NotFoundError(`model '${id}' not found (no ${key}/model.json in the store)`);
    throw e;
  }
}

/** The taps to compare: those asked for (each must exist and have the teacher's width), else all such. */
function comparedTaps(student: Wrn | ResNet, teacher: Wrn | ResNet, asked: string[]): string[] {
  const same = student.tapNames.filter((_, i) => student.tapWidths[i] === teacher.tapWidths[i]);
  const taps = asked.length ? asked : same;
  for (const [i, t] of taps.entries()) {
    if (!student.tapNames.includes(t))
      throw new InvalidArgumentError(
        `taps[${i}]`,
        `unknown tap ${shownName(t)} (taps: ${student.tapNames.join(', ')})`,
      );
    if (!same.includes(t))
      throw new InvalidArgumentError(
        'taps',
        `tap '${t}' has different widths in student and teacher (connectors are dropped after AB init)`,
      );
  }
  return taps;
}

export interface EvaluateOptions {
  /** The dataset's own directory (default: located as loadDataset does). */
  dataDir?: string;
  /** Loaded splits and statistics shared between requests (default: a new one per request). */
  cache?: DatasetCache;
}

/**
 * Accuracy, loss, confusion matrix and per-tap similarity of a stored model (library calls only).
 * Every check that can fail on the request is made before the first forward pass.
 */
export async function evaluateRequest(
  store: ArtifactStore,
  req: evaluator.EvaluateRequest,
  o: EvaluateOptions = {},
): Promise<evaluator.EvaluationReport> {
  const t0 = performance.now();
  const checked = checkRequest(req);
  const cache = o.cache ?? new DatasetCache(1, 1);
  const student = await loadModel(store, req.model, 'model');
  let teacher: Loaded | undefined;
  try {
    teacher = req.teacher ? await loadModel(store, req.teacher, 'teacher') : undefined;
    const name = checked.dataset ?? student.dataset ?? 'fashion-mnist';
    if (!(DATASET_NAMES as string[]).includes(name))
      throw new NotFoundError(`unknown dataset '${name}' (known: ${DATASET_NAMES.join(', ')})`);
    const info = datasetInfo(name);
    const { split, batch } = checked;
    const reportName = req.writeReport
      ? validateName('report_name', req.reportName || `${checked.modelId}-${name}-${split}`)
      : '';
    if (student.model.config.inChannels !== info.channels)
      throw new InvalidArgumentError(
        'dataset.name',
        `model '${checked.modelId}' takes ${student.model.config.inChannels} channels, ${name} has ${info.channels}`,
      );
    const taps = teacher ? comparedTaps(student.model, teacher.model, req.taps) : [];
    const opts = o.dataDir ? { dir: o.dataDir } : {};
    let set = await cache.load(name as DatasetName, split, opts);
    const stats = student.stats ?? (await cache.channelStats(name as DatasetName, 'train', opts));
    if (req.subset?.size) {
      const b = makeBatch(set, subsetIndices(set, subsetFromWire(req.subset)));
      set = { ...set, images: b.images, labels: Uint8Array.from(b.labels), n: b.n };
    }
    const ev = await evaluateYielding(student.model, set, stats, batch);
    const sim = teacher
      ? await similarity(student.model, teacher.model, set, stats, taps, batch)
      : [];
    const k = set.classes;
    const report: evaluator.EvaluationReport = {
      model: req.model,
      dataset: { name },
      split: split === 'test' ? common.Split.SPLIT_TEST : common.Split.SPLIT_TRAIN,
      examples: ev.total,
      errorPercent: ev.errorPct,
      loss: ev.loss,
      confusion: { numClasses: k, counts: ev.confusion.flat(), classes: set.classNames },
      similarity: sim,
      reportKeys: [],
      createdMs: Date.now(),
      seconds: (performance.now() - t0) / 1000,
    };
    if (reportName) {
      const dir = `reports/${reportName}`;
      report.reportKeys = [`${dir}/report.json`, `${dir}/report.md`];
      // Each put is atomic (temp key, then commit); the JSON goes last so its presence means both are there.
      await store.put(`${dir}/report.md`, markdown(report));
      await store.putJson(`${dir}/report.json`, evaluator.EvaluationReport.toJSON(report));
    }
    return report;
  } finally {
    student.model.dispose();
    teacher?.model.dispose();
  }
}
