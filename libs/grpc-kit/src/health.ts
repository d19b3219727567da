import { health } from '@abd/proto';
import type { ServiceDefinition, UntypedServiceImplementation } from '@grpc/grpc-js';
import { NotFoundError } from './errors';
import { serverStream, unary } from './handlers';
import type { Logger } from './logger';

const ServingStatus = health.HealthCheckResponse_ServingStatus;
type ServingStatus = health.HealthCheckResponse_ServingStatus;

/**
 * The standard grpc.health.v1.Health service (Check + Watch) over a table of service names.
 * "" (the whole server) is always present. `shutdown()` turns everything NOT_SERVING so load
 * balancers drain the server before it stops.
 */
export class HealthService {
  private readonly statuses = new Map<string, ServingStatus>();
  private readonly watchers = new Set<() => void>();

  constructor(names: string[] = []) {
    for (const n of ['', ...names]) this.statuses.set(n, ServingStatus.SERVING);
  }

  set(name: string, serving: boolean): void {
    this.statuses.set(name, serving ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
    for (const w of this.watchers) w();
  }

  get(name: string): ServingStatus | undefined {
    return this.statuses.get(name);
  }

  shutdown(): void {
    for (const n of [...this.statuses.keys()]) this.set(n, false);
  }

  registration(log?: Logger): {
    definition: ServiceDefinition;
    implementation: UntypedServiceImplementation;
  } {
    const impl: health.HealthServer = {
      check: unary(
        async (req) => {
          const s = this.statuses.get(req.service);
          if (s === undefined)
            throw new NotFoundError(`unknown service ${JSON.stringify(req.service)}`);
          return { status: s };
        },
        { log },
      ),
      watch: serverStream((req, ctx) => this.watch(req.service, ctx.signal), { log }),
    };
    return {
      definition: health.HealthService,
      implementation: impl as unknown as UntypedServiceImplementation,
    };
  }

  // Sends the status now and on every change, until the call ends.
  private async *watch(
    name: string,
    signal: AbortSignal,
  ): AsyncGenerator<health.HealthCheckResponse> {
    let last: ServingStatus | undefined;
    let wake: (() => void) | undefined;
    const onChange = (): void => wake?.();
    this.watchers.add(onChange);
    signal.addEventListener('abort', onChange);
    try {
      while (!signal.aborted) {
        const now = this.statuses.get(name) ?? ServingStatus.SERVICE_UNKNOWN;
        if (now !== last) {
          last = now;
          yield { status: now };
          continue;
        }
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    } finally {
      this.watchers.delete(onChange);
      signal.removeEventListener('abort', onChange);
    }
  }
}
