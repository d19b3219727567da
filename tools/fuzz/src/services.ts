// The four services as child processes on 127.0.0.1:0 (as `abd up` wires them), so a crash is
// a process exit we can count rather than a dead test runner.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ENV, type ServiceKey } from '@abd/grpc-kit';

const REPO = join(__dirname, '..', '..', '..');

export interface RunningService {
  key: ServiceKey;
  address: string;
  child: ChildProcess;
  /** Exit code or signal once the process has ended; undefined while it runs. */
  exited?: string;
  /** The last lines it wrote to stderr (kept to explain a crash). */
  tail: string[];
}

function startOne(key: ServiceKey, env: Record<string, string>): Promise<RunningService> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(REPO, 'apps', key, 'src', 'main.ts')],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: {
        ...process.env,
        ABD_METRICS_PORT: '0',
        ...env,
        [ENV.PORT]: '0',
        [ENV.HOST]: '127.0.0.1',
      },
    },
  );
  const svc: RunningService = { key, address: '', child, tail: [] };
  child.on('exit', (code, signal) => (svc.exited = signal ?? String(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${key} did not start within 60 s:\n${svc.tail.join('\n')}`)),
      60_000,
    );
    let buf = '';
    child.stderr!.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const l of lines) {
        svc.tail.push(l.slice(0, 2000));
        if (svc.tail.length > 20) svc.tail.shift();
        if (!svc.address && l.includes('"listening"')) {
          svc.address = (JSON.parse(l) as { address: string }).address;
          clearTimeout(timer);
          resolve(svc);
        }
      }
    });
    child.on(
      'exit',
      () =>
        !svc.address &&
        (clearTimeout(timer),
        reject(new Error(`${key} exited on start (${svc.exited}):\n${svc.tail.join('\n')}`))),
    );
  });
}

/** Teacher, extractor (on that teacher), trainer (on that extractor), evaluator; all on one store, all with `token`. */
export async function startServices(opts: {
  storeDir: string;
  dataDir: string;
  token: string;
}): Promise<RunningService[]> {
  const env = {
    [ENV.STORE]: opts.storeDir,
    ABD_DATA_DIR: opts.dataDir,
    ABD_OFFLINE: '1',
    [ENV.AUTH_TOKEN]: opts.token,
    [ENV.SHUTDOWN_GRACE_MS]: '500',
  };
  // The evaluator and the teacher need nobody; the extractor needs the teacher's address, the trainer the extractor's.
  const [teacher, evaluator] = await Promise.all([
    startOne('teacher-inference', env),
    startOne('evaluator', env),
  ]);
  const extractor = await startOne('boundary-extractor', {
    ...env,
    [ENV.TEACHER_ADDRESSES]: teacher.address,
  });
  const trainer = await startOne('student-trainer', {
    ...env,
    [ENV.EXTRACTOR_ADDRESS]: extractor.address,
  });
  return [teacher, extractor, trainer, evaluator];
}

export async function stopServices(services: RunningService[]): Promise<void> {
  await Promise.all(
    services.map(
      (s) =>
        new Promise<void>((done) => {
          if (s.exited !== undefined) return done();
          const kill = setTimeout(() => s.child.kill('SIGKILL'), 3000);
          s.child.once('exit', () => (clearTimeout(kill), done()));
          s.child.kill('SIGTERM');
        }),
    ),
  );
}
