import * as tf from '@tensorflow/tfjs-core';
import { batchNorm } from './batch-norm';
import { SeededRandom, subSeed } from './random';
import { makeVariable } from './variables';
import { InitScheme } from './wrn-config';

/**
 * The connector r of the paper: maps a student tap (N channels) to the teacher's width (M):
 * 1×1 conv without bias + batch-norm; the identity when the widths are equal. Trained in the
 * AB stage only, then dropped.
 */
export class Connectors {
  readonly params = new Map<string, tf.Variable>();
  readonly stats = new Map<string, tf.Variable>();
  readonly identity: boolean[];

  constructor(
    studentWidths: number[],
    teacherWidths: number[],
    init: InitScheme = 'paper',
    seed = 0,
  ) {
    if (studentWidths.length !== teacherWidths.length) {
      throw new Error(
        `connectors: ${studentWidths.length} student taps vs ${teacherWidths.length} teacher taps`,
      );
    }
    this.identity = studentWidths.map((s, i) => s === teacherWidths[i]);
    studentWidths.forEach((cin, i) => {
      if (this.identity[i]) return;
      const cout = teacherWidths[i];
      const rng = new SeededRandom(subSeed(seed, `conn${i}`));
      const w = new Float32Array(cin * cout);
      // paper code: N(0, √(2/out)); PyTorch default: U(±1/√in).
      if (init === 'paper') rng.fillNormal(w, Math.sqrt(2 / cout));
      else rng.fillUniform(w, 1 / Math.sqrt(cin));
      this.params.set(`conn${i}.w`, makeVariable(w, [1, 1, cin, cout], true));
      this.params.set(`conn${i}.gamma`, makeVariable(new Float32Array(cout).fill(1), [cout], true));
      this.params.set(`conn${i}.beta`, makeVariable(new Float32Array(cout), [cout], true));
      this.stats.set(`conn${i}.mean`, makeVariable(new Float32Array(cout), [cout], false));
      this.stats.set(`conn${i}.var`, makeVariable(new Float32Array(cout).fill(1), [cout], false));
    });
  }

  /** r(S) for every tap. Call inside tf.tidy. */
  apply(taps: tf.Tensor4D[], training: boolean): tf.Tensor4D[] {
    return taps.map((s, i) => {
      if (this.identity[i]) return s;
      const y = tf.conv2d(s, this.params.get(`conn${i}.w`) as tf.Tensor4D, 1, 'valid');
      return batchNorm(
        y,
        {
          gamma: this.params.get(`conn${i}.gamma`)!,
          beta: this.params.get(`conn${i}.beta`)!,
          runningMean: this.stats.get(`conn${i}.mean`)!,
          runningVar: this.stats.get(`conn${i}.var`)!,
        },
        training,
      );
    });
  }

  dispose(): void {
    for (const v of this.params.values()) v.dispose();
    for (const v of this.stats.values()) v.dispose();
  }
}
