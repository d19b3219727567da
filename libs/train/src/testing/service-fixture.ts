// Test helpers shared by the service apps' tests: a tiny dataset on disk, a store with a random
// WRN-10-1 teacher at models/<id>, promise helpers for grpc-js calls.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ArtifactStore, openStore } from '@abd/artifacts';
import { channelStats, loadDataset } from '@abd/data';
import { Wrn } from '@abd/models';
import { initBackend } from '@abd/tensor';
import { putCheckpoint } from '../checkpoints';
import { tempDir, writeBandDataset } from './fixture';

export interface ServiceFixture {
  dir: string;
  dataDir: string;
  storeDir: string;
  store: ArtifactStore;
  cleanup: () => void;
}

/** Data (160 train / 60 test band images) + a store holding teacher `teacherId`. */
export async function serviceFixture(teacherId = 'teacher-a'): Promise<ServiceFixture> {
  await initBackend();
  const t = tempDir('abd-svc-');
  const dataDir = join(t.dir, 'data');
  const storeDir = join(t.dir, 'store');
  mkdirSync(dataDir);
  writeBandDataset(dataDir, 160, 60);
  process.env.ABD_DATA_DIR = dataDir;
  process.env.ABD_OFFLINE = '1';
  const store = openStore(storeDir);
  const train = await loadDataset('fashion-mnist', 'train', { dir: dataDir });
  const model = new Wrn({ depth: 10, widen: 1, inChannels: 1, numClasses: 10 }, 'paper', 3);
  await putCheckpoint(store, `models/${teacherId}`, model, {
    role: 'teacher',
    dataset: 'fashion-mnist',
    normalization: channelStats(train),
  });
  model.dispose();
  return { dir: t.dir, dataDir, storeDir, store, cleanup: t.cleanup };
}

/** Writes all `msgs` to a bidi stream, half-closes, and collects the responses (or the error). */
export function bidiAll<Req, Res>(
  stream: NodeJS.ReadWriteStream & { end(): void; write(m: Req): boolean },
  msgs: Req[],
): Promise<Res[]> {
  return new Promise((resolve, reject) => {
    const out: Res[] = [];
    stream.on('data', (m: Res) => out.push(m));
    stream.on('error', reject);
    stream.on('end', () => resolve(out));
    for (const m of msgs) stream.write(m);
    stream.end();
  });
}
