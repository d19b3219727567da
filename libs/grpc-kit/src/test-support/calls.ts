// Test support: promise helpers around callback/stream-style grpc-js clients.
import { Metadata, type Client, type ServiceError } from '@grpc/grpc-js';

type UnaryFn = (
  req: unknown,
  md: Metadata,
  opts: object,
  cb: (e: ServiceError | null, r: unknown) => void,
) => void;

/** Calls a unary method by name; resolves with the reply or rejects with the ServiceError. */
export function call<T>(
  client: Client,
  method: string,
  req: unknown,
  opts: { deadline?: Date; metadata?: Metadata } = {},
): Promise<T> {
  const fn = (client as unknown as Record<string, UnaryFn>)[method].bind(client);
  return new Promise((resolve, reject) => {
    const cb = (e: ServiceError | null, r: unknown): void => (e ? reject(e) : resolve(r as T));
    fn(req, opts.metadata ?? new Metadata(), opts.deadline ? { deadline: opts.deadline } : {}, cb);
  });
}

/** Rejection of `p` as a ServiceError (fails if `p` resolves). */
export async function failure(p: Promise<unknown>): Promise<ServiceError> {
  try {
    await p;
  } catch (e) {
    return e as ServiceError;
  }
  throw new Error('expected the call to fail');
}
