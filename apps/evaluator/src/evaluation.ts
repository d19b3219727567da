import * as tf from '@tensorflow/tfjs-core';
import { ArtifactStore, NotFoundError as StoreNotFound } from '@abd/artifacts';
import {
  channelStats,
  ChannelStats,
  DATASET_NAMES,
  DatasetName,
  ImageSet,
  loadDataset,
  makeBatch,
  subsetIndices,
} from '@abd/data';
import { activationAgreement } from '@abd/distill';
import {
  checkTapList,
  InvalidArgumentError,
  NotFoundError,
  shownName,
  validateName,
} from '@abd/grpc-kit';
import { ResNet, Wrn } from '@abd/models';
import { common, evaluator } from '@abd/proto';
import { evaluateYielding, getStudentCheckpoint, imagesToTensor } from '@abd/train';
import { subsetFromWire } from '@abd/train-io';

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

/** Per tap with the same shape in student and teacher: share of neurons where ρ(S) == ρ(T), in %. */
async function similarity(
  student: Wrn | ResNet,
  teacher: Wrn | ResNet,
  set: ImageSet,
  stats: ChannelStats,
  taps: string[],
  batch: number,
): Promise<evaluator.EvaluationReport['similarity']> {
  const sums = new Map<string, number>(taps.map((t) => [t, 0]));
  const per = set.height * set.width * set.channels;
  for (let s = 0; s < set.n; s += batch) {
    // The event loop is free between batches (health checks, other calls).
    if (s > 0) await new Promise((r) => setImmediate(r));
    const n = Math.min(batch, set.n - s);
    tf.tidy(() => {
      const x = imagesToTensor(
        set.images.subarray(s * per, (s + n) * per),
        n,
        set.height,
        set.width,
        set.channels,
        stats,
      );
      const a = student.forward(x, { training: false }).taps;
      const b = teacher.forward(x, { training: false }).taps;
      for (const t of taps) {
        const i = student.tapNames.indexOf(t);
        sums.set(t, sums.get(t)! + activationAgreement(a[i], b[i]).dataSync()[0] * n);
      }
    });
  }
  return taps.map((tap) => ({ tap, percent: (100 * sums.get(tap)!) / set.n }));
}

/**
 * Images per forward pass when the request leaves batch_size 0: small enough that one pass of a
 * WRN-16-2 takes well under a second, so the server answers between passes.
 */
export const DEFAULT_EVAL_BATCH = 16;

/** Accuracy, loss, confusion matrix and per-tap similarity of a stored model (library calls only). */
export async function evaluateRequest(
  store: ArtifactStore,
  req: evaluator.EvaluateRequest,
  dataDir?: string,
): Promise<evaluator.EvaluationReport> {
  const t0 = performance.now();
  checkTapList('taps', req.taps);
  const student = await loadModel(store, req.model, 'model');
  const teacher = req.teacher ? await loadModel(store, req.teacher, 'teacher') : undefined;
  try {
    const name = req.dataset?.name
      ? validateName('dataset.name', req.dataset.name)
      : (student.dataset ?? 'fashion-mnist');
    if (!(DATASET_NAMES as string[]).includes(name))
      throw new NotFoundError(`unknown dataset '${name}' (known: ${DATASET_NAMES.join(', ')})`);
    let split: 'train' | 'test';
    if (req.split === common.Split.SPLIT_UNSPECIFIED || req.split === common.Split.SPLIT_TEST)
      split = 'test';
    else if (req.split === common.Split.SPLIT_TRAIN) split = 'train';
    else throw new InvalidArgumentError('split', `unknown value ${req.split}`);
    if (req.batchSize > 4096)
      throw new InvalidArgumentError('batch_size', `must be <= 4096, got ${req.batchSize}`);
    const reportName = req.writeReport
      ? validateName('report_name', req.reportName || `${req.model!.id}-${name}-${split}`)
      : '';
    const opts = dataDir ? { dir: dataDir } : {};
    let set = await loadDataset(name as DatasetName, split, opts);
    const stats =
      student.stats ?? channelStats(await loadDataset(name as DatasetName, 'train', opts));
    const sub = req.subset?.size;
    if (sub) {
      if (
        sub.$case === 'fraction' &&
        !(Number.isFinite(sub.fraction) && sub.fraction > 0 && sub.fraction <= 1)
      )
        throw new InvalidArgumentError('subset.fraction', `must be in (0, 1], got ${sub.fraction}`);
      const idx = subsetIndices(set, subsetFromWire(req.subset));
      const b = makeBatch(set, idx);
      set = { ...set, images: b.images, labels: Uint8Array.from(b.labels), n: b.n };
    }
    if (student.model.config.inChannels !== set.channels)
      throw new InvalidArgumentError(
        'dataset.name',
        `model '${req.model!.id}' takes ${student.model.config.inChannels} channels, ${name} has ${set.channels}`,
      );
    const batch = req.batchSize || DEFAULT_EVAL_BATCH;
    const ev = await evaluateYielding(student.model, set, stats, batch);
    let sim: evaluator.EvaluationReport['similarity'] = [];
    if (teacher) {
      const shapeOf = (w: Wrn | ResNet) => w.tapWidths;
      const same = student.model.tapNames.filter(
        (_, i) => shapeOf(student.model)[i] === shapeOf(teacher.model)[i],
      );
      const taps = req.taps.length ? req.taps : same;
      for (const [i, t] of taps.entries()) {
        if (!student.model.tapNames.includes(t))
          throw new InvalidArgumentError(
            `taps[${i}]`,
            `unknown tap ${shownName(t)} (taps: ${student.model.tapNames.join(', ')})`,
          );
        if (!same.includes(t))
          throw new InvalidArgumentError(
            'taps',
            `tap '${t}' has different widths in student and teacher (connectors are dropped after AB init)`,
          );
      }
      sim = await similarity(student.model, teacher.model, set, stats, taps, batch);
    }
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

export function markdown(r: evaluator.EvaluationReport): string {
  const c = r.confusion!;
  const lines = [
    `# Evaluation of ${r.model?.id} on ${r.dataset?.name} (${r.split === common.Split.SPLIT_TRAIN ? 'train' : 'test'})`,
    '',
    `| examples | error % | loss |`,
    `|---|---|---|`,
    `| ${r.examples} | ${r.errorPercent.toFixed(2)} | ${r.loss.toFixed(4)} |`,
    '',
  ];
  if (r.similarity.length) {
    lines.push(
      '| tap | activation similarity % |',
      '|---|---|',
      ...r.similarity.map((s) => `| ${s.tap} | ${s.percent.toFixed(1)} |`),
      '',
    );
  }
  lines.push(
    'Confusion (rows: true class, columns: predicted):',
    '',
    `| | ${c.classes.map((_, i) => i).join(' | ')} |`,
    `|---|${c.classes.map(() => '---').join('|')}|`,
  );
  for (let i = 0; i < c.numClasses; i++)
    lines.push(
      `| ${c.classes[i]} | ${c.counts.slice(i * c.numClasses, (i + 1) * c.numClasses).join(' | ')} |`,
    );
  return lines.join('\n') + '\n';
}
