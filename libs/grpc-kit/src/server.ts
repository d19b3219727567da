import {
  Server,
  type ServerInterceptor,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { authTokenFromEnv, bearerAuthInterceptor } from './auth';
import { HealthService } from './health';
import { jsonLogger, type Logger } from './logger';
import { DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_SHUTDOWN_GRACE_MS } from './ports';
import { addReflection, type ReflectionOptions } from './reflection';
import { installSignalHandlers } from './signals';
import { serverCredentials, serverTlsFromEnv, type ServerTls } from './tls';
import { totalDecoders, undecodableInterceptor } from './undecodable';

export interface ServiceRegistration {
  definition: ServiceDefinition;
  implementation: UntypedServiceImplementation;
}

export interface StartServerOptions {
  /** 0 = any free port (the bound one is returned). */
  port: number;
  /** Default "0.0.0.0"; tests use "127.0.0.1". */
  host?: string;
  services: ServiceRegistration[];
  /** Names the health service reports SERVING besides ""; default: the registered services' full names. */
  healthNames?: string[];
  /** Max message size, both directions (default 64 MiB); bigger ones fail RESOURCE_EXHAUSTED. */
  maxMessageBytes?: number;
  /** TLS material; default: from $ABD_TLS_* (none set = plaintext); null = plaintext regardless. */
  tls?: ServerTls | null;
  /** Bearer token required on all calls but health; default: from $ABD_AUTH_TOKEN(_FILE); null = off. */
  auth?: { token: string } | null;
  /** Server reflection over the proto sources; false = off. */
  reflection?: ReflectionOptions | false;
  log?: Logger;
  /** Opt-in: shut down gracefully on SIGTERM/SIGINT and exit. */
  installSignalHandlers?: boolean;
  /** Grace period for in-flight calls on shutdown (default 10 s). */
  shutdownGraceMs?: number;
}

export interface RunningServer {
  port: number;
  server: Server;
  health: HealthService;
  /** NOT_SERVING, stop accepting, wait up to graceMs for calls in flight, then cut them. */
  shutdown(graceMs?: number): Promise<void>;
}

/** "abd.v1.TeacherInference" from a definition's method paths ("/abd.v1.TeacherInference/Infer"). */
export function serviceName(definition: ServiceDefinition): string {
  const first = Object.values(definition)[0];
  if (!first) throw new Error('service definition has no methods');
  return first.path.split('/')[1];
}

function bind(
  server: Server,
  address: string,
  creds: ReturnType<typeof serverCredentials>,
): Promise<number> {
  return new Promise((resolve, reject) =>
    server.bindAsync(address, creds, (err, port) => (err ? reject(err) : resolve(port))),
  );
}

/** Starts a gRPC server with health, reflection, limits, optional auth/TLS and graceful shutdown. */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const log = options.log ?? jsonLogger();
  const max = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const tls = options.tls === undefined ? serverTlsFromEnv() : (options.tls ?? undefined);
  const token = options.auth === undefined ? authTokenFromEnv() : options.auth?.token;
  const interceptors: ServerInterceptor[] = [
    ...(token ? [bearerAuthInterceptor(token)] : []),
    undecodableInterceptor,
  ];
  const server = new Server({
    'grpc.max_receive_message_length': max,
    'grpc.max_send_message_length': max,
    interceptors,
  });

  const names = options.healthNames ?? options.services.map((s) => serviceName(s.definition));
  const health = new HealthService(names);
  const healthReg = health.registration(log);
  server.addService(healthReg.definition, healthReg.implementation);
  for (const s of options.services)
    server.addService(totalDecoders(s.definition), s.implementation);
  if (options.reflection !== false) addReflection(server, options.reflection ?? {});

  const host = options.host ?? '0.0.0.0';
  const address = host.includes(':') ? `[${host}]:${options.port}` : `${host}:${options.port}`;
  const port = await bind(server, address, serverCredentials(tls));

  let stopping: Promise<void> | undefined;
  const shutdown = (
    graceMs = options.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS,
  ): Promise<void> => {
    stopping ??= new Promise<void>((resolve) => {
      health.shutdown();
      const timer = setTimeout(() => {
        log.warn('grace period over, cutting calls in flight', { graceMs });
        server.forceShutdown();
        resolve();
      }, graceMs);
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    return stopping;
  };
  const running: RunningServer = { port, server, health, shutdown };
  if (options.installSignalHandlers) installSignalHandlers(running, { log });
  log.info('listening', { address: `${host}:${port}`, services: names, tls: !!tls, auth: !!token });
  return running;
}
