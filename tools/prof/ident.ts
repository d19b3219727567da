import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@abd/tensor';
import { Wrn } from '@abd/models';
import { crossEntropy } from '@abd/distill';
async function main() {
  await initBackend();
  const m = new Wrn({ depth: 10, widen: 1, inChannels: 1, numClasses: 10 }, 'paper', 1);
  const x = tf.randomNormal([128, 28, 28, 1]) as tf.Tensor4D;
  const labels = tf.tensor1d(Array.from({ length: 128 }, (_, i) => i % 10), 'int32');
  const vars = [...m.params.values()];
  const orig = tf.engine().runKernel.bind(tf.engine());
  const stacks = new Map<string, number>();
  (tf.engine() as any).runKernel = (name: string, inputs: any, attrs: any) => {
    if (name === 'Identity') {
      const s = (new Error().stack ?? '').split('\n').slice(2, 9).map(l => l.trim().replace(/\(.*node_modules\//, '(')).join(' | ');
      stacks.set(s + ' size=' + (inputs.x?.size), (stacks.get(s + ' size=' + (inputs.x?.size)) ?? 0) + 1);
    }
    return orig(name, inputs, attrs);
  };
  const { value, grads } = tf.variableGrads(() => crossEntropy(m.forward(x, { training: true }).logits, labels), vars);
  for (const [s, n] of [...stacks.entries()].sort((a,b)=>b[1]-a[1]).slice(0, 8)) console.log(n, s, '\n');
}
main();
