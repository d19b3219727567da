import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  ResponderBuilder,
  ServerInterceptingCall,
  ServerListenerBuilder,
  status,
  type ServerInterceptor,
} from '@grpc/grpc-js';
import { ENV } from './ports';

/** Metadata key of the bearer token (lower-case, as HTTP/2 requires). */
export const AUTH_METADATA_KEY = 'authorization';

/** Methods that never need a token: health checks (kubelet probes carry none). */
export const isHealthMethod = (path: string): boolean => path.startsWith('/grpc.health.v1.Health/');

/** The configured token: $ABD_AUTH_TOKEN, else the trimmed contents of $ABD_AUTH_TOKEN_FILE; undefined = auth off. */
export function authTokenFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const direct = env[ENV.AUTH_TOKEN];
  if (direct) return direct;
  const file = env[ENV.AUTH_TOKEN_FILE];
  if (!file) return undefined;
  const token = readFileSync(file, 'utf8').trim();
  if (!token) throw new Error(`${ENV.AUTH_TOKEN_FILE}=${file} is empty`);
  return token;
}

/** Constant-time token comparison. Hashing first gives equal lengths, so timingSafeEqual leaks neither content nor length. */
export function sameToken(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** Extracts the token of an `authorization: Bearer <token>` header value. */
function bearer(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^Bearer\s+(.+)$/i.exec(value.trim());
  return m ? m[1] : undefined;
}

/**
 * A server interceptor requiring `authorization: Bearer <token>` on every call except health;
 * a missing or wrong token ends the call with UNAUTHENTICATED before any handler runs.
 */
export function bearerAuthInterceptor(
  token: string,
  exempt: (path: string) => boolean = isHealthMethod,
): ServerInterceptor {
  return (method, call) => {
    if (exempt(method.path)) return new ServerInterceptingCall(call);
    const listener = new ServerListenerBuilder()
      .withOnReceiveMetadata((metadata, next) => {
        const values = metadata.get(AUTH_METADATA_KEY);
        const given = values.length === 1 ? bearer(values[0]) : undefined;
        if (given === undefined) {
          call.sendStatus({
            code: status.UNAUTHENTICATED,
            details: 'missing bearer token (authorization metadata)',
          });
        } else if (!sameToken(given, token)) {
          call.sendStatus({ code: status.UNAUTHENTICATED, details: 'invalid bearer token' });
        } else {
          next(metadata);
        }
      })
      .build();
    const responder = new ResponderBuilder().withStart((next) => next(listener)).build();
    return new ServerInterceptingCall(call, responder);
  };
}
