// Sends generated requests to the four running services and classifies every answer.
import { Client, credentials, Metadata, status } from '@grpc/grpc-js';
import { GRPC_SERVICE_NAMES, type ServiceKey } from '@abd/grpc-kit';
import { edgeRequests } from './edge-cases';
import { fuzzRequests, type FuzzRequest } from './fuzz-plan';
import { loadMethods, type FuzzMethod } from './protos';
import { isWellFormed } from './wire-check';
import { rawCall, type CallOutcome } from './raw-call';
import type { RunningService } from './services';

export interface FuzzFigures {
  requests: number;
  byStatus: Record<string, number>;
  crashes: number;
  hangs: number;
  healthFailures: number;
  handlerInternal: number;
  serializationFailures: number;
  /** Statuses the protos rule out for the request (an unknown tap must be INVALID_ARGUMENT). */
  contractViolations: number;
  /** Garbage that is no protobuf message, answered INTERNAL "Error deserializing request" by grpc-js. */
  undecodable: number;
  /** Milliseconds spent per method (summed over calls), to see what the run's time goes to. */
  msByMethod: Record<string, number>;
  byMethodStatus: Record<string, number>;
  failures: string[];
}

export interface FuzzOptions {
  requests: number;
  seed: number;
  token: string;
  concurrency?: number;
  deadlineMs?: number;
  marginMs?: number;
  log?: (line: string) => void;
}

const STATUS_NAME = Object.fromEntries(Object.entries(status).map(([k, v]) => [v, k])) as Record<
  number,
  string
>;

function sample(r: FuzzRequest): string {
  if (!r.object) return `<${r.messages[0]?.length ?? 0} garbage bytes x${r.messages.length}>`;
  const s = JSON.stringify(r.object, (_k, v: unknown) =>
    v instanceof Uint8Array
      ? `<${v.length} bytes>`
      : typeof v === 'string' && v.length > 40
        ? `<string of ${v.length}>`
        : typeof v === 'number' && !Number.isFinite(v)
          ? String(v)
          : Array.isArray(v) && v.length > 8
            ? `<${v.length} x ${JSON.stringify(v[0])}>`
            : v,
  );
  return s.length > 400 ? s.slice(0, 400) + '…' : s;
}

/** Whether every message of `r` is a well-formed message of its request type. */
function wellFormed(r: FuzzRequest): boolean {
  return r.kind !== 'garbage' || r.messages.every((b) => isWellFormed(r.method.request, b));
}

function classify(out: CallOutcome, r: FuzzRequest, f: FuzzFigures): void {
  const fail = (what: string) =>
    f.failures.length < 200 &&
    f.failures.push(
      `${what} ${r.method.path} [${r.kind}, auth ${r.auth}] ${out.details.slice(0, 160)} :: ${sample(r)}`,
    );
  if (out.hung) {
    f.hangs++;
    fail('HANG');
    return;
  }
  const name = STATUS_NAME[out.code!] ?? String(out.code);
  f.byStatus[name] = (f.byStatus[name] ?? 0) + 1;
  const key = `${r.method.path} ${name}`;
  f.byMethodStatus[key] = (f.byMethodStatus[key] ?? 0) + 1;
  if (/Error serializing response/i.test(out.details)) {
    f.serializationFailures++;
    fail('SERIALIZATION');
  } else if (
    out.code === status.INTERNAL &&
    /Error deserializing request/i.test(out.details) &&
    !wellFormed(r)
  ) {
    // grpc-js's own answer to bytes that are no protobuf message: not a handler's.
    f.undecodable++;
  } else if (out.code === status.INTERNAL) {
    f.handlerInternal++;
    fail('INTERNAL');
  } else if (/size exceeds|exceeds limit|RST_STREAM/i.test(out.details)) {
    // A status replaced by grpc-js because the handler's message overflowed the trailers.
    f.contractViolations++;
    fail(`CONTRACT(${name}: metadata)`);
  } else if (out.code === status.NOT_FOUND && /\btaps?\b/i.test(out.details)) {
    f.contractViolations++;
    fail('CONTRACT(NOT_FOUND for a tap)');
  }
}

/** Runs the edge cases, then `opts.requests` generated requests (plus a cancel for every accepted job), `concurrency` at a time. */
export async function runFuzz(services: RunningService[], opts: FuzzOptions): Promise<FuzzFigures> {
  const { token, concurrency = 4, deadlineMs = 5000, marginMs = 5000, log = () => {} } = opts;
  const methods = loadMethods();
  const byService = new Map<string, RunningService>();
  for (const s of services) byService.set(GRPC_SERVICE_NAMES[s.key as ServiceKey], s);
  const clients = new Map<RunningService, Client>();
  const options = { 'grpc.max_receive_message_length': -1, 'grpc.max_send_message_length': -1 };
  for (const s of services)
    clients.set(s, new Client(s.address, credentials.createInsecure(), options));
  const target = (m: FuzzMethod, i: number) =>
    byService.get(m.service) ?? services[i % services.length];
  const meta = (auth: FuzzRequest['auth']) => {
    const md = new Metadata();
    if (auth === 'token') md.set('authorization', `Bearer ${token}`);
    if (auth === 'wrong') md.set('authorization', `Bearer ${token}x`);
    return md;
  };
  const f: FuzzFigures = {
    requests: 0,
    byStatus: {},
    crashes: 0,
    hangs: 0,
    healthFailures: 0,
    handlerInternal: 0,
    serializationFailures: 0,
    contractViolations: 0,
    undecodable: 0,
    msByMethod: {},
    byMethodStatus: {},
    failures: [],
  };
  const edges = edgeRequests(methods);
  const total = edges.length + opts.requests;
  const plan = (function* () {
    yield* edges;
    yield* fuzzRequests(methods, opts.requests, opts.seed);
  })();
  const startJob = methods.find((m) => m.path === 'abd.v1.StudentTrainer/StartJob')!;
  const cancelJob = methods.find((m) => m.path === 'abd.v1.StudentTrainer/CancelJob')!;
  const getJob = methods.find((m) => m.path === 'abd.v1.StudentTrainer/GetJob')!;
  const health = methods.find((m) => m.path === 'grpc.health.v1.Health/Check')!;
  const send = async (r: FuzzRequest, i: number) => {
    const svc = target(r.method, i);
    const t0 = Date.now();
    const out = await rawCall(
      clients.get(svc)!,
      r.method,
      r.messages,
      meta(r.auth),
      deadlineMs,
      marginMs,
    );
    f.msByMethod[r.method.path] = (f.msByMethod[r.method.path] ?? 0) + Date.now() - t0;
    f.requests++;
    classify(out, r, f);
    if (r.method === startJob && out.code === status.OK && out.first)
      await settle(
        String((startJob.response.decode(out.first) as unknown as { id: string }).id),
        svc,
        r,
      );
  };
  /** Sends a follow-up call with the token, counted and classified like the others. */
  const follow = async (m: FuzzMethod, object: Record<string, unknown>, svc: RunningService) => {
    const req: FuzzRequest = {
      method: m,
      auth: 'token',
      kind: 'seed',
      object,
      messages: [Buffer.from(m.request.encode(object).finish())],
    };
    const out = await rawCall(
      clients.get(svc)!,
      m,
      req.messages,
      meta('token'),
      deadlineMs,
      marginMs,
    );
    f.requests++;
    classify(out, req, f);
    return out;
  };
  /**
   * An accepted job: watched with GetJob until it leaves QUEUED (at most 2 s: a job reports what
   * it derived from its spec only once it starts), then cancelled — the fuzzer tests admission, not training.
   */
  const settle = async (jobId: string, svc: RunningService, start: FuzzRequest) => {
    for (let i = 0; i < 20; i++) {
      const out = await follow(getJob, { job_id: jobId }, svc);
      if (/Error serializing response/i.test(out.details) && f.failures.length < 200)
        f.failures.push(`CAUSE job ${jobId} unreadable after StartJob ${sample(start)}`);
      if (out.code !== status.OK || !out.first) break;
      if ((getJob.response.decode(out.first) as unknown as { state: number }).state !== 1) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await follow(cancelJob, { job_id: jobId }, svc);
  };
  const checkHealth = async () => {
    for (const s of services) {
      const out = await rawCall(
        clients.get(s)!,
        health,
        [Buffer.alloc(0)],
        new Metadata(),
        3000,
        2000,
      );
      const serving =
        out.code === status.OK &&
        out.first !== undefined &&
        (health.response.decode(out.first) as unknown as { status: number }).status === 1;
      if (!serving) {
        f.healthFailures++;
        f.failures.length < 200 &&
          f.failures.push(
            `HEALTH ${s.key}: ${out.hung ? 'no answer' : `${STATUS_NAME[out.code!]} ${out.details}`}`,
          );
      }
    }
  };
  let next = 0;
  const worker = async () => {
    for (let r = plan.next(); !r.done; r = plan.next()) {
      const i = next++;
      await send(r.value, i);
      if (i % 250 === 249) {
        await checkHealth();
        log(`fuzz: ${i + 1}/${total} sent`);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  await checkHealth();
  for (const c of clients.values()) c.close();
  for (const s of services) {
    if (s.exited !== undefined) {
      f.crashes++;
      f.failures.push(`CRASH ${s.key} exited (${s.exited}):\n  ${s.tail.slice(-5).join('\n  ')}`);
    }
  }
  return f;
}

/** The figures, one line each (what docs/reliability.md records). */
export function figureLines(f: FuzzFigures): string[] {
  return [
    `fuzz: requests ${f.requests}`,
    ...Object.entries(f.byStatus)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `fuzz: status ${k} ${v}`),
    `fuzz: crashes ${f.crashes}`,
    `fuzz: hangs ${f.hangs}`,
    `fuzz: health failures ${f.healthFailures}`,
    `fuzz: handler INTERNAL ${f.handlerInternal}`,
    `fuzz: serialization failures ${f.serializationFailures}`,
    `fuzz: contract violations ${f.contractViolations}`,
    `fuzz: undecodable garbage (INTERNAL from grpc-js, not counted as a failure) ${f.undecodable}`,
  ];
}
