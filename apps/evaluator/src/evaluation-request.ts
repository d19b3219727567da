import { DATASET_NAMES } from '@abd/data';
import { checkTapList, InvalidArgumentError, NotFoundError, validateName } from '@abd/grpc-kit';
import { common, evaluator } from '@abd/proto';

/** The largest batch_size an Evaluate may ask for. */
export const MAX_EVAL_BATCH = 4096;

/**
 * Images per forward pass when the request leaves batch_size 0: small enough that one pass of a
 * WRN-16-2 takes well under a second.
 */
export const DEFAULT_EVAL_BATCH = 16;

export interface CheckedRequest {
  modelId: string;
  teacherId?: string;
  /** The dataset asked for; undefined = the model's own (known once the model is read). */
  dataset?: string;
  split: 'train' | 'test';
  batch: number;
}

/**
 * The checks of an Evaluate that need neither the store nor the data, so a bad request gets its
 * status at once, before a worker is asked for anything (the worker repeats them: it also serves
 * callers of `evaluateRequest`).
 */
export function checkRequest(req: evaluator.EvaluateRequest): CheckedRequest {
  checkTapList('taps', req.taps);
  const modelId = validateName('model.id', req.model?.id);
  const teacherId = req.teacher ? validateName('teacher.id', req.teacher.id) : undefined;
  const dataset = req.dataset?.name ? validateName('dataset.name', req.dataset.name) : undefined;
  if (dataset !== undefined && !(DATASET_NAMES as string[]).includes(dataset))
    throw new NotFoundError(`unknown dataset '${dataset}' (known: ${DATASET_NAMES.join(', ')})`);
  let split: 'train' | 'test';
  if (req.split === common.Split.SPLIT_UNSPECIFIED || req.split === common.Split.SPLIT_TEST)
    split = 'test';
  else if (req.split === common.Split.SPLIT_TRAIN) split = 'train';
  else throw new InvalidArgumentError('split', `unknown value ${req.split}`);
  if (req.batchSize > MAX_EVAL_BATCH)
    throw new InvalidArgumentError(
      'batch_size',
      `must be <= ${MAX_EVAL_BATCH}, got ${req.batchSize}`,
    );
  if (req.writeReport && req.reportName) validateName('report_name', req.reportName);
  const sub = req.subset?.size;
  if (
    sub?.$case === 'fraction' &&
    !(Number.isFinite(sub.fraction) && sub.fraction > 0 && sub.fraction <= 1)
  )
    throw new InvalidArgumentError('subset.fraction', `must be in (0, 1], got ${sub.fraction}`);
  return { modelId, teacherId, dataset, split, batch: req.batchSize || DEFAULT_EVAL_BATCH };
}
