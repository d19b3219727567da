// The short soak: 3 kills (teacher replicas and the trainer) during a tiny job; the student must
// be bitwise the undisturbed one, the trainer's health fast outside its restarts, teacher memory flat.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { failuresOf, figureLines } from './soak-figures';
import { runSoak } from './soak-run';

test('3 kills during a tiny job: weights identical, health p99 < 1 s, no unplanned exit, teacher memory flat', async (t) => {
  const f = await runSoak({
    kills: 3,
    durationS: 600,
    seed: 7,
    epochs: { e1: 1, e2: 2 },
    memoryRequests: 4,
    memoryConcurrency: 2,
    log: () => undefined,
  });
  for (const l of figureLines(f)) t.diagnostic(l);
  assert.deepEqual(failuresOf(f), []);
  assert.equal(f.kills, 3);
  assert.equal(f.weightsIdentical, true);
  assert.ok(f.health.counted >= 10, `${f.health.counted} health checks outside restarts`);
  assert.ok(
    f.trainerWorkerPeakMb > 50,
    `the job ran in a worker process (peak ${f.trainerWorkerPeakMb} MiB)`,
  );
  assert.ok(f.testErrorPercent !== undefined, 'the evaluator answered');
  assert.ok(
    f.evaluatorWorkerMb > 50,
    `the Evaluate ran in the evaluator's worker process (${f.evaluatorWorkerMb} MiB)`,
  );
});
