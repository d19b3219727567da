// The teacher's own process (teacher-process.ts forks it): a LocalBatchSource with the run's teacher,
// so its forward passes run on this process's backend while the parent's student steps.
import { loadWrn } from '@abd/models';
import { initBackend } from '@abd/tensor';
import { LocalBatchSource } from './batch-source';
import type { FromTeacher, TeacherProcessInit, ToTeacher } from './teacher-process-protocol';

const send = (m: FromTeacher): void => {
  if (process.connected) process.send!(m);
};

// The parent is gone: nothing to serve.
process.on('disconnect', () => process.exit(0));

interface Stream {
  credits: number;
  cancelled: boolean;
  wake?: () => void;
}

const streams = new Map<number, Stream>();
let source: Promise<LocalBatchSource> | undefined;

async function init(m: TeacherProcessInit): Promise<LocalBatchSource> {
  const info = await initBackend();
  const { model } = loadWrn(m.checkpoint.json, m.checkpoint.weights, 'teacher process');
  const src = new LocalBatchSource({
    set: m.set,
    indices: m.indices,
    stats: m.stats,
    batchSize: m.batchSize,
    seed: m.seed,
    augment: m.augment,
    teacher: model,
    teacherBnMode: m.teacherBnMode,
    keepSignsBelowEpoch: m.keepSignsBelowEpoch,
  });
  send({ t: 'ready', threads: info.native.threads ?? 1 });
  return src;
}

async function serve(m: Extract<ToTeacher, { t: 'epoch' }>): Promise<void> {
  const s: Stream = { credits: m.window, cancelled: false };
  streams.set(m.id, s);
  try {
    const src = await source!;
    const req = { signs: m.signs, logits: m.logits, startBatch: m.startBatch };
    for await (const b of src.epoch(m.epoch, req)) {
      if (s.cancelled) break;
      send({
        t: 'batch',
        id: m.id,
        index: b.index,
        logits: b.teacherLogits,
        signShapes: b.signShapes,
        // Packed already (1 bit per neuron): what the batches carry.
        signs: b.signBits,
      });
      s.credits--;
      // Bounded window: wait for the parent to take a batch before computing the next one.
      while (s.credits <= 0 && !s.cancelled) await new Promise<void>((r) => (s.wake = r));
      if (s.cancelled) break;
    }
    if (!s.cancelled) send({ t: 'end', id: m.id });
  } catch (e) {
    const err = e as Error;
    send({ t: 'error', id: m.id, message: err.message ?? String(e), stack: err.stack });
  } finally {
    streams.delete(m.id);
  }
}

process.on('message', (m: ToTeacher) => {
  if (m.t === 'init') {
    source = init(m);
    source.catch((e: Error) => send({ t: 'error', message: e.message, stack: e.stack }));
  } else if (m.t === 'epoch') void serve(m);
  else {
    const s = streams.get(m.id);
    if (!s) return;
    if (m.t === 'credit') s.credits++;
    else s.cancelled = true;
    s.wake?.();
    s.wake = undefined;
  }
});
