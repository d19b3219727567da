// Wall time per kernel name, by wrapping the engine's runKernel (nested kernels count twice).
import * as tf from '@tensorflow/tfjs-core';

export function timeKernels(): { report: (iterations: number, top?: number) => void } {
  const engine = tf.engine() as unknown as {
    runKernel: (name: string, inputs: unknown, attrs: unknown) => unknown;
  };
  const orig = engine.runKernel.bind(engine);
  const by = new Map<string, { ms: number; n: number }>();
  engine.runKernel = (name, inputs, attrs) => {
    const t0 = performance.now();
    const r = orig(name, inputs, attrs);
    const e = by.get(name) ?? { ms: 0, n: 0 };
    e.ms += performance.now() - t0;
    e.n++;
    by.set(name, e);
    return r;
  };
  return {
    report: (iterations, top = 25) => {
      for (const [n, e] of [...by.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, top)) {
        console.log(
          `${n.padEnd(26)} ${(e.ms / iterations).toFixed(1).padStart(8)} ms ×${e.n / iterations}`,
        );
      }
    },
  };
}
