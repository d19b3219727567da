import { getMethod, type TeacherSignal } from '@abd/distill';
import type { EpochRequest } from './batch-source';

/**
 * The run methods, each as the @abd/distill methods it combines: at most one of kind 'init'
 * (stage 1, E₁ epochs), and for stage 2 at most one of kind 'logits' (KD; none = CE) and at
 * most one of kind 'joint' (a feature term added to the logits loss). This table is the one
 * description of a method: its stages, their loss terms and the teacher signals each stage
 * needs all follow from the registry's `kind` and `teacherSignal` of these parts (stagesOf).
 */
const RUN_METHOD_PARTS = {
  none: [],
  kd: ['kd'],
  'ab+kd': ['ab', 'kd'],
  'ab+ce': ['ab'],
  'fitnets+kd': ['fitnets', 'kd'],
  'at+kd': ['at', 'kd'],
  'fsp+kd': ['fsp', 'kd'],
  'jacobian+kd': ['jacobian', 'kd'],
} as const satisfies Record<string, readonly string[]>;

export type RunMethod = keyof typeof RUN_METHOD_PARTS;
/** In the table's order (reports and plans list methods in it). */
export const RUN_METHODS = Object.keys(RUN_METHOD_PARTS) as [RunMethod, ...RunMethod[]];

/** The registry's init methods a run can use and the joint terms of its classification stage. */
export type InitPart = 'ab' | 'fitnets' | 'fsp';
export type JointPart = 'at' | 'jacobian';

/** One stage of a method: the registry method that defines it and the teacher signals it reads. */
export interface InitStagePlan {
  part: InitPart;
  signals: TeacherSignal[];
}

export interface ClassifyStagePlan {
  /** KD on the teacher's logits (else cross-entropy). */
  kd: boolean;
  joint?: JointPart;
  signals: TeacherSignal[];
}

export interface MethodStages {
  init?: InitStagePlan;
  classify: ClassifyStagePlan;
}

/** A method's stages as the registry describes its parts. */
export function stagesOf(method: RunMethod): MethodStages {
  if (!Object.hasOwn(RUN_METHOD_PARTS, method))
    throw new Error(
      `'${method}' is not a run method (${Object.keys(RUN_METHOD_PARTS).join(', ')})`,
    );
  const parts = (RUN_METHOD_PARTS[method] as readonly string[]).map((n) => getMethod(n));
  const ofKind = (k: string) => parts.filter((p) => p.kind === k);
  const [init, ...moreInit] = ofKind('init');
  const logits = ofKind('logits');
  const [joint, ...moreJoint] = ofKind('joint');
  // The pipeline trains one init stage and one classification stage; the table must say no more.
  if (moreInit.length || logits.length > 1 || moreJoint.length)
    throw new Error(`run method '${method}' combines more methods than a run's two stages hold`);
  return {
    init: init && { part: init.name as InitPart, signals: [init.teacherSignal] },
    classify: {
      kd: logits.length === 1,
      joint: joint?.name as JointPart | undefined,
      signals: [...logits, ...(joint ? [joint] : [])].map((p) => p.teacherSignal),
    },
  };
}

/** Methods with a stage 1 of E₁ epochs before E₂ of classification; the others classify for E₁ + E₂. */
export function hasInitStage(method: RunMethod | string): boolean {
  // Other names (the web view asks about every history's owner, `teacher` too) have none.
  return (
    Object.hasOwn(RUN_METHOD_PARTS, method) && stagesOf(method as RunMethod).init !== undefined
  );
}

/** The classification stage's epochs and its first data epoch (after an init stage's E₁). */
export function classifyEpochsOf(
  epochs: { e1: number; e2: number },
  method: RunMethod,
): { epochs: number; dataEpochOffset: number } {
  return hasInitStage(method)
    ? { epochs: epochs.e2, dataEpochOffset: epochs.e1 }
    : { epochs: epochs.e1 + epochs.e2, dataEpochOffset: 0 };
}

/**
 * What a stage asks the batch source for, from the signals it reads. The teacher features a
 * stage reads (FitNets, FSP, AT) are named by the stage itself (its adapter's or joint term's
 * `teacherPoints`) and added to this request; they come with the batches like sign maps. Input
 * gradients (Jacobian) are computed by the stage from the teacher model (joint-terms.ts), so
 * they need the teacher in-process (needsTeacherModel).
 */
export function epochRequestOf(signals: readonly TeacherSignal[]): EpochRequest {
  return { signs: signals.includes('signs'), logits: signals.includes('logits') };
}

/** True when a stage reads something of the teacher that batches do not carry. */
export function needsTeacherModel(signals: readonly TeacherSignal[]): boolean {
  return signals.includes('input-gradients');
}
