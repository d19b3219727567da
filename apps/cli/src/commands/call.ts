import {
  credentials,
  loadPackageDefinition,
  Metadata,
  type Client,
  type GrpcObject,
  type ServiceClientConstructor,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { authTokenFromEnv, defaultProtoDir, listProtoFiles } from '@abd/grpc-kit';
import { checkFlags, ParsedArgs, str, UsageError } from '../args';

export const CALL_FLAGS = ['token', 'deadline'] as const;

/**
 * `abd call <address> <Service>/<Method> [json]`: any RPC from JSON, like grpcurl, through the
 * .proto sources (proto-loader). Unary replies print as one JSON object, streams as JSON lines.
 * Bytes fields are base64 in JSON.
 */
export async function callCommand(args: ParsedArgs): Promise<void> {
  checkFlags(args, CALL_FLAGS, 'call');
  const [address, method, json = '{}'] = args.positionals;
  if (!address || !method)
    throw new UsageError(
      'usage: abd call <host:port> <Service>/<Method> [request-json] [--token T]',
    );
  const [svc, rpc] = method.replace(/^\//, '').split('/');
  const full = svc.includes('.') ? svc : `abd.v1.${svc}`;
  const dir = defaultProtoDir();
  const pkg = loadPackageDefinition(
    loadSync(listProtoFiles(dir), {
      includeDirs: [dir],
      keepCase: false,
      longs: Number,
      enums: String,
      defaults: true,
      oneofs: true,
    }),
  );
  const Ctor = full
    .split('.')
    .reduce<unknown>((o, k) => (o as GrpcObject | undefined)?.[k], pkg) as
    ServiceClientConstructor | undefined;
  if (!Ctor?.service) throw new UsageError(`unknown service '${full}'`);
  const def = Object.values(Ctor.service).find((m) => m.path.endsWith(`/${rpc}`));
  if (!def)
    throw new UsageError(
      `${full} has no method '${rpc}' (has: ${Object.keys(Ctor.service).join(', ')})`,
    );
  let req: unknown;
  try {
    req = JSON.parse(json);
  } catch (e) {
    throw new UsageError(`request is not JSON: ${(e as Error).message}`);
  }
  const client = new Ctor(address, credentials.createInsecure()) as Client &
    Record<string, (...a: unknown[]) => unknown>;
  const md = new Metadata();
  const token = str(args, 'token') ?? authTokenFromEnv();
  if (token) md.set('authorization', `Bearer ${token}`);
  const deadline = str(args, 'deadline');
  const opts = deadline ? { deadline: new Date(Date.now() + Number(deadline) * 1000) } : {};
  const name = def.originalName ?? rpc;
  const fn = client[name as string].bind(client);
  try {
    if (!def.requestStream && !def.responseStream) {
      const res = await new Promise((resolve, reject) =>
        fn(req, md, opts, (e: Error | null, r: unknown) => (e ? reject(e) : resolve(r))),
      );
      console.log(JSON.stringify(res, null, 2));
    } else if (!def.requestStream) {
      const stream = fn(req, md, opts) as NodeJS.ReadableStream;
      for await (const m of stream) console.log(JSON.stringify(m));
    } else {
      const stream = fn(md, opts) as NodeJS.ReadWriteStream;
      for (const m of Array.isArray(req) ? req : [req]) stream.write(m as never);
      stream.end();
      for await (const m of stream) console.log(JSON.stringify(m));
    }
  } catch (e) {
    const s = e as { code?: number; details?: string };
    if (typeof s.code === 'number') {
      console.error(`abd call: ${s.code} ${s.details}`);
      process.exitCode = 1;
      return;
    }
    throw e;
  } finally {
    client.close();
  }
}
