// One service as a process on loopback that can be killed and started again on the same port
// (so its clients reconnect to the address they know), as a pod restarted in place.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ENV, type ServiceKey } from '@abd/grpc-kit';

const REPO = join(__dirname, '..', '..', '..');

export class ServiceProcess {
  private child?: ChildProcess;
  private port = 0;
  private tail: string[] = [];
  /** Exits not asked for (a crash), with their code or signal. */
  readonly crashes: string[] = [];
  private expectExit = false;
  starts = 0;

  constructor(
    readonly name: string,
    readonly key: ServiceKey,
    private readonly env: Record<string, string>,
  ) {}

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  get pid(): number {
    return this.child!.pid!;
  }

  /** Starts it (on port 0 the first time, then on the port it had) and resolves once it listens. */
  start(): Promise<void> {
    this.expectExit = false;
    // Its own process group, so a kill takes its job workers with it, as a container's would.
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(REPO, 'apps', this.key, 'src', 'main.ts')],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
        detached: true,
        env: {
          ...process.env,
          ABD_METRICS_PORT: '0',
          ...this.env,
          [ENV.PORT]: String(this.port),
          [ENV.HOST]: '127.0.0.1',
        },
      },
    );
    this.child = child;
    this.starts++;
    return new Promise((resolve, reject) => {
      let listening = false;
      const timer = setTimeout(
        () => reject(new Error(`${this.name} did not start within 90 s:\n${this.tail.join('\n')}`)),
        90_000,
      );
      let buf = '';
      child.stderr!.on('data', (d: Buffer) => {
        buf += d.toString();
        const lines = buf.split('\n');
        buf = lines.pop()!;
        for (const l of lines) {
          this.tail.push(l.slice(0, 2000));
          if (this.tail.length > 30) this.tail.shift();
          if (!listening && l.includes('"listening"')) {
            listening = true;
            this.port = Number((JSON.parse(l) as { address: string }).address.split(':').pop());
            clearTimeout(timer);
            resolve();
          }
        }
      });
      child.on('exit', (code, signal) => {
        if (!this.expectExit)
          this.crashes.push(
            `${this.name}: ${signal ?? `exit ${code}`}\n${this.tail.slice(-10).join('\n')}`,
          );
        if (!listening)
          (clearTimeout(timer),
            reject(
              new Error(
                `${this.name} exited on start (${signal ?? code}):\n${this.tail.join('\n')}`,
              ),
            ));
      });
    });
  }

  /** SIGKILL to its process group (no shutdown, no goodbye); resolves once it is gone. */
  kill(): Promise<void> {
    return this.signal('SIGKILL', 0);
  }

  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs = 3000): Promise<void> {
    return this.signal('SIGTERM', graceMs);
  }

  private signal(sig: NodeJS.Signals, graceMs: number): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    this.expectExit = true;
    return new Promise((done) => {
      const force = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), graceMs);
      child.once('exit', () => (clearTimeout(force), done()));
      try {
        process.kill(-child.pid!, sig);
      } catch {
        child.kill(sig);
      }
    });
  }
}
