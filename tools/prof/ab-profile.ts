// Kernel time split of one AB-stage step (student WRN-10-1, connectors to WRN-16-2 widths).
import * as tf from '@tensorflow/tfjs-core';
import { timeKernels } from './kernel-timer';
import { initBackend } from '@abd/tensor';
import { Connectors, Wrn } from '@abd/models';
import { abTotalLoss, activationAgreement, packSigns, unpackSigns } from '@abd/distill';
import { SgdNesterov } from '@abd/train';
async function main() {
  await initBackend();
  const s = new Wrn({ depth: 10, widen: 1, inChannels: 1, numClasses: 10 }, 'paper', 1);
  const conns = new Connectors(s.tapWidths, [32, 64, 128], 'paper', 2);
  const vars = new Map<string, tf.Variable>([...s.params, ...conns.params]);
  const opt = new SgdNesterov(vars, { lr: 0.1, momentum: 0.9, weightDecay: 5e-4, nesterov: true });
  const x = tf.randomNormal([128, 28, 28, 1]) as tf.Tensor4D;
  const shapes = [
    [128, 28, 28, 32],
    [128, 14, 14, 64],
    [128, 7, 7, 128],
  ];
  const signs = shapes.map((sh) => {
    const v = new Float32Array(sh.reduce((a, b) => a * b));
    for (let i = 0; i < v.length; i++) v[i] = (i * 2654435761) % 7 < 3 ? 1 : 0;
    return v;
  });
  const packed = signs.map((v, i) => packSigns(v, shapes[i] as any));
  let tUnpack = 0;
  const step = () => {
    const t0 = performance.now();
    const un = packed.map((p, i) => unpackSigns(p, shapes[i] as any));
    const on = un.map((u, i) => tf.tensor(u, shapes[i]));
    tUnpack += performance.now() - t0;
    let agreement: tf.Tensor[] = [];
    const { value, grads } = tf.variableGrads(() => {
      const out = s.forward(x, { training: true });
      const rs = conns.apply(out.taps, true);
      agreement = rs.map((r, i) => tf.keep(activationAgreement(r, on[i])));
      return abTotalLoss(rs, on, { mu: 1, weights: [3 / 4000, 3 / 2000, 3 / 1000] });
    }, [...vars.values()]);
    const named = new Map<string, tf.Tensor>();
    for (const [k, v] of vars) if (grads[v.name]) named.set(k, grads[v.name]);
    opt.step(named);
    value.dataSync();
    agreement.forEach((a) => a.dataSync());
    tf.dispose([value, ...on, ...agreement, ...Object.values(grads)]);
  };
  for (let i = 0; i < 3; i++) step();
  tUnpack = 0;
  const timer = timeKernels();
  const N = 5;
  const t0 = performance.now();
  for (let i = 0; i < N; i++) step();
  console.log(
    `AB step ${((performance.now() - t0) / N).toFixed(1)} ms (unpack+upload ${(tUnpack / N).toFixed(1)} ms)`,
  );
  timer.report(N, 25);
}
main();
