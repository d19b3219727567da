// The short fuzz run: 2 000 generated requests (seeded, so a failure replays) against the four
// services as child processes; no crash, hang, handler INTERNAL, serialization failure or status
// the protos rule out may appear.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { figureLines } from './fuzz-run';
import { fuzzSession } from './fuzz-session';

const SEED = 20261201;

test(
  'fuzz: 2 000 requests from the protos, garbage and bad tokens leave all four services up and answering',
  { timeout: 240_000 },
  async () => {
    const f = await fuzzSession({ requests: 2000, seed: SEED });
    const lines = figureLines(f);
    for (const l of lines) console.log(l);
    const why = `\n${lines.join('\n')}\n${f.failures.slice(0, 20).join('\n')}`;
    assert.ok(f.requests >= 2000, why);
    // Not vacuous: requests got past auth and decoding to answers of every kind.
    assert.ok(
      (f.byStatus.OK ?? 0) > 100 &&
        (f.byStatus.INVALID_ARGUMENT ?? 0) > 100 &&
        (f.byStatus.UNAUTHENTICATED ?? 0) > 20,
      why,
    );
    assert.equal(f.crashes, 0, why);
    assert.equal(f.hangs, 0, why);
    assert.equal(f.healthFailures, 0, why);
    assert.equal(f.handlerInternal, 0, why);
    assert.equal(f.serializationFailures, 0, why);
    assert.equal(f.contractViolations, 0, why);
  },
);
