// A whole fuzz session: a tiny store (band images + a random WRN-10-1 teacher), the four
// services on it as child processes, the requests, and the services stopped again.
import { randomBytes } from 'node:crypto';
import { serviceFixture } from '@abd/train/testing';
import { runFuzz, type FuzzFigures, type FuzzOptions } from './fuzz-run';
import { startServices, stopServices } from './services';

export async function fuzzSession(opts: Omit<FuzzOptions, 'token'>): Promise<FuzzFigures> {
  const fx = await serviceFixture('teacher-a');
  const token = randomBytes(16).toString('hex');
  const services = await startServices({ storeDir: fx.storeDir, dataDir: fx.dataDir, token });
  try {
    return await runFuzz(services, { ...opts, token });
  } finally {
    await stopServices(services);
    fx.cleanup();
  }
}
