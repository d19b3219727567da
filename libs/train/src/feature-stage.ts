import * as tf from '@tensorflow/tfjs-core';
import { FitnetsParams, FspParams, getMethod, InitMethod } from '@abd/distill';
import {
  Connectors,
  ForwardResult,
  InitScheme,
  makeVariable,
  SeededRandom,
  subSeed,
  Wrn,
  wrnWidths,
} from '@abd/models';
import { BatchSource, imagesToTensor } from './batch-source';
import { teacherFeatureTensors } from './teacher-features';
import { namedGrads } from './classify-stage';
import { initStageBase, InitStageRecipe } from './init-stage';
import { runStage, StageIo } from './stage-loop';

/** The baselines with an initialization stage on hidden features (the paper's "X + KD", stage 1). */
export type FeatureInitMethod = 'fitnets' | 'fsp';

/** What an adapter needs of the teacher: its widths, not its weights (its maps come with the batches). */
export type TeacherShape = Pick<Wrn, 'tapWidths' | 'config'>;

/**
 * What a feature-init method reads and how the student's maps are brought to the teacher's
 * widths before the loss:
 * - fitnets: the tap (pre-ReLU BN output, as AB's) at the end of group `studentTap` → a k×k conv
 *   regressor W_r (no bias, FitNets' convolutional regressor) → the teacher's tap `teacherTap`.
 * - fsp: the maps entering and leaving each group in `groups` (Wrn groupMaps); when a width
 *   differs, a 1×1 conv + BN connector (as AB's) maps the student's map to the teacher's width.
 */
export class FeatureAdapter {
  readonly params = new Map<string, tf.Variable>();
  readonly stats = new Map<string, tf.Variable>();
  private readonly connectors?: Connectors;

  constructor(
    readonly method: FeatureInitMethod,
    readonly p: FitnetsParams | FspParams,
    student: Wrn,
    teacher: TeacherShape,
    init: InitScheme,
    seed: number,
  ) {
    if (method === 'fitnets') {
      const f = p as FitnetsParams;
      if (f.studentTap > 3 || f.teacherTap > 3)
        throw new Error(`fitnets: taps are groups 1..3, got ${f.studentTap}/${f.teacherTap}`);
      if (f.studentTap !== f.teacherTap) {
        throw new Error(
          `fitnets: studentTap ${f.studentTap} and teacherTap ${f.teacherTap} have different spatial sizes in a WRN`,
        );
      }
      const k = f.regressorKernel;
      const cin = student.tapWidths[f.studentTap - 1];
      const cout = teacher.tapWidths[f.teacherTap - 1];
      const rng = new SeededRandom(subSeed(seed, 'regressor'));
      const w = new Float32Array(k * k * cin * cout);
      // As the WRN's convs: paper code N(0, √(2/(k·k·out))), PyTorch U(±1/√(k·k·in)).
      if (init === 'paper') rng.fillNormal(w, Math.sqrt(2 / (k * k * cout)));
      else rng.fillUniform(w, 1 / Math.sqrt(k * k * cin));
      this.params.set('regressor.w', makeVariable(w, [k, k, cin, cout], true));
    } else {
      const g = (p as FspParams).groups;
      if (g.some((x) => x > 3)) throw new Error(`fsp: groups are 1..3, got [${g}]`);
      const ws = wrnWidths(student.config);
      const wt = wrnWidths(teacher.config);
      const sw = g.flatMap((x) => [ws[x - 1], ws[x]]);
      const tw = g.flatMap((x) => [wt[x - 1], wt[x]]);
      this.connectors = new Connectors(sw, tw, init, seed);
      for (const [k, v] of this.connectors.params) this.params.set(k, v);
      for (const [k, v] of this.connectors.stats) this.stats.set(k, v);
    }
  }

  /** Forward options the networks need for this method's maps. */
  get forwardMaps(): { groupMaps: boolean } {
    return { groupMaps: this.method === 'fsp' };
  }

  /**
   * The teacher points (teacherPoints) whose maps the loss compares, in `pick`'s order: the
   * batch source attaches them (EpochRequest.features).
   */
  get teacherPoints(): string[] {
    if (this.method === 'fitnets') return [`tap${(this.p as FitnetsParams).teacherTap}`];
    return (this.p as FspParams).groups.flatMap((g) => [`group${g}.in`, `group${g}.out`]);
  }

  /** The raw maps of the student's forward result that the loss compares. */
  pick(out: ForwardResult): tf.Tensor4D[] {
    if (this.method === 'fitnets') return [out.taps[(this.p as FitnetsParams).studentTap - 1]];
    const groups = out.groups!;
    return (this.p as FspParams).groups.flatMap((g) => [
      groups[2 * (g - 1)],
      groups[2 * (g - 1) + 1],
    ]);
  }

  /** The student's maps as the loss takes them (regressor output, or connector outputs). Call inside tf.tidy. */
  apply(maps: tf.Tensor4D[], training: boolean): tf.Tensor4D[] {
    if (this.method === 'fitnets') {
      const w = this.params.get('regressor.w') as tf.Tensor4D;
      return [tf.conv2d(maps[0], w, 1, 'same')];
    }
    return this.connectors!.apply(maps, training);
  }

  dispose(): void {
    for (const v of this.params.values()) v.dispose();
    for (const v of this.stats.values()) v.dispose();
  }
}

/**
 * The init stage's recipe is AB's (cfg.ab): same schedule and optimizer reset, for a
 * like-for-like comparison. The teacher's BN mode for its maps is the batch source's
 * (BatchRecipe.teacherBnMode, cfg.ab.teacherBnMode).
 */
export type FeatureInitOptions = InitStageRecipe;

interface Acc {
  loss: number;
  steps: number;
}

/**
 * Stage 1 of FitNets + KD and FSP + KD: the student and the adapter (regressor / connectors)
 * are trained on the method's loss alone (@abd/distill fitnets / fsp); the adapter is dropped
 * afterwards. The teacher's maps come with the batches (EpochRequest.features), as sign maps do:
 * from the in-process teacher or from teacher-inference through the boundary-extractor.
 * Checkpoints and resume as every stage; events use the stage name 'ab-init' (the distillation stage).
 */
export async function trainFeatureInit(
  student: Wrn,
  adapter: FeatureAdapter,
  source: BatchSource,
  o: FeatureInitOptions,
  io: StageIo = {},
) {
  const method = getMethod(adapter.method) as InitMethod<FitnetsParams | FspParams>;
  const points = adapter.teacherPoints;
  const { vars, base } = initStageBase(o, student, adapter, source, {
    signs: false,
    logits: false,
    features: points,
  });
  const { height: h, width: w, channels: c } = source.shape;
  return runStage<Acc>(
    {
      ...base,
      newAcc: () => ({ loss: 0, steps: 0 }),
      step: (batch, opt, acc) => {
        const x = imagesToTensor(batch.images, batch.n, h, w, c, source.stats);
        const target = teacherFeatureTensors(batch, points, o.label);
        const { value, grads } = tf.variableGrads(() => {
          const out = student.forward(x, { training: true, ...adapter.forwardMaps });
          const mapped = adapter.apply(adapter.pick(out), true);
          return method.loss(mapped, target, adapter.p);
        }, [...vars.values()]);
        opt.step(namedGrads(vars, grads));
        const loss = value.dataSync()[0];
        tf.dispose([value, x, ...target, ...Object.values(grads)]);
        acc.loss += loss;
        acc.steps++;
        return loss;
      },
      endEpoch: (_epoch, acc) => ({
        ab: { loss: acc.loss / Math.max(1, acc.steps), similarity: [] },
      }),
      metadata: {
        ...(o.metadata ?? {}),
        method: adapter.method,
        params: adapter.p,
        schedule: o.schedule,
      },
    },
    io,
  );
}
