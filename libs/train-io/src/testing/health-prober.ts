// Health checks from a process of their own, so a server that holds its event loop cannot also
// hold the clock of the one measuring it. `startHealthProber(address)` forks this file; it checks
// `grpc.health.v1.Health/Check` every `intervalMs` on a new connection each time (a stalled
// server fails new connections first), with a `deadlineMs` deadline, until it is told to stop.
import { fork } from 'node:child_process';
import { Metadata } from '@grpc/grpc-js';
import { makeClient } from '@abd/grpc-kit';
import { health } from '@abd/proto';

export interface ProbeResult {
  /** Milliseconds from sending each check to its answer (or its failure). */
  latencies: number[];
  /** When each was sent (Unix ms). */
  sentAt: number[];
  /** Whether each failed. */
  failures: boolean[];
  failed: number;
  /** The first few failures' messages. */
  errors: string[];
}

export interface HealthProber {
  stop: () => Promise<ProbeResult>;
}

export function startHealthProber(
  address: string,
  o: { intervalMs?: number; deadlineMs?: number; token?: string } = {},
): HealthProber {
  const child = fork(
    __filename,
    [address, String(o.intervalMs ?? 50), String(o.deadlineMs ?? 1000), o.token ?? ''],
    { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  const result = new Promise<ProbeResult>((resolve, reject) => {
    child.on('message', (m: ProbeResult) => resolve(m));
    child.on('exit', (code) =>
      reject(new Error(`health prober exited (${code}) without a result`)),
    );
  });
  return { stop: () => (child.send('stop'), result) };
}

/** p-quantile (0..1) of xs, nearest rank. */
export function quantile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))];
}

async function probeLoop(
  address: string,
  intervalMs: number,
  deadlineMs: number,
  token: string,
): Promise<void> {
  let stopping = false;
  process.on('message', () => (stopping = true));
  const out: ProbeResult = { latencies: [], sentAt: [], failures: [], failed: 0, errors: [] };
  // Bounded: at most an hour of checks.
  for (let i = 0; !stopping && i < 3_600_000 / intervalMs; i++) {
    const h = makeClient(health.HealthClient, address, { token: token || undefined });
    const t0 = performance.now();
    out.sentAt.push(Date.now());
    const err = await new Promise<string | undefined>((res) =>
      h.check({ service: '' }, new Metadata(), { deadline: Date.now() + deadlineMs }, (e, r) =>
        res(
          e
            ? e.message
            : r.status === health.HealthCheckResponse_ServingStatus.SERVING
              ? undefined
              : `status ${r.status}`,
        ),
      ),
    );
    out.latencies.push(performance.now() - t0);
    out.failures.push(err !== undefined);
    if (err !== undefined) {
      out.failed++;
      if (out.errors.length < 5) out.errors.push(err);
    }
    h.close();
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  process.send!(out, () => process.exit(0));
}

if (require.main === module) {
  const [address, interval, deadline, token] = process.argv.slice(2);
  void probeLoop(address, Number(interval), Number(deadline), token);
}
