// Test support (not exported): the Echo service of echo.proto built with the kit's wrappers,
// and a client constructor for it. Records what the handlers saw so tests can assert on it.
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  loadPackageDefinition,
  type ServiceClientConstructor,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import {
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  ResourceExhaustedError,
  UnauthenticatedError,
} from '../errors';
import { bidi, serverStream, unary } from '../handlers';
import type { Logger } from '../logger';

export interface SayRequest {
  text: string;
  mode: string;
  payload?: Buffer;
}

/** What the handlers observed. */
export interface EchoProbe {
  aborts: string[];
  ticksProduced: number;
  streamFinalized: number;
}

const pkg = loadSync(join(__dirname, 'echo.proto'), { keepCase: true, defaults: true });
const echoNs = (
  loadPackageDefinition(pkg) as unknown as { abdtest: { v1: { Echo: ServiceClientConstructor } } }
).abdtest.v1;

export const EchoClient = echoNs.Echo;
export const echoDefinition: ServiceDefinition = EchoClient.service;

function waitForAbort(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

class StoreLikeNotFound extends Error {
  override name = 'NotFoundError';
}
class InvalidKeyError extends Error {
  override name = 'InvalidKeyError';
}
class CodedError extends Error {
  readonly code = 'NOT_FOUND';
}

async function reply(
  req: SayRequest,
  signal: AbortSignal,
  probe: EchoProbe,
): Promise<{ text: string }> {
  switch (req.mode) {
    case 'not-found':
      throw new NotFoundError(`model ${req.text} not found`);
    case 'invalid':
      throw new InvalidArgumentError('images.shape', 'expected 4 dimensions');
    case 'exhausted':
      throw new ResourceExhaustedError('too many jobs');
    case 'unauth':
      throw new UnauthenticatedError('who are you');
    case 'precondition':
      throw new FailedPreconditionError('job is not running');
    case 'crash':
      throw new Error('secret /internal/path exploded');
    case 'store-not-found':
      throw new StoreLikeNotFound("artifact not found: 'models/x'");
    case 'invalid-key':
      throw new InvalidKeyError('invalid artifact key "../x"');
    case 'coded':
      throw new CodedError('no such method "abc"');
    case 'wait':
      try {
        return await waitForAbort(signal);
      } catch (e) {
        probe.aborts.push((e as Error).message);
        throw e;
      }
    default:
      return { text: req.text };
  }
}

export function echoService(log: Logger): {
  definition: ServiceDefinition;
  implementation: UntypedServiceImplementation;
  probe: EchoProbe;
} {
  const probe: EchoProbe = { aborts: [], ticksProduced: 0, streamFinalized: 0 };
  const implementation = {
    Say: unary<SayRequest, { text: string }>((req, ctx) => reply(req, ctx.signal, probe), { log }),
    Count: serverStream<{ n: number; interval_ms: number }, { i: number }>(
      async function* (req, ctx) {
        try {
          for (let i = 0; i < req.n; i++) {
            if (ctx.signal.aborted) {
              probe.aborts.push('count');
              return;
            }
            probe.ticksProduced++;
            yield { i };
            if (req.interval_ms) await sleep(req.interval_ms);
          }
        } finally {
          probe.streamFinalized++;
        }
      },
      { log },
    ),
    Chat: bidi<SayRequest, { text: string }>(
      async function* (requests, ctx) {
        for await (const r of requests) yield await reply(r, ctx.signal, probe);
      },
      { log },
    ),
  };
  return { definition: echoDefinition, implementation, probe };
}
