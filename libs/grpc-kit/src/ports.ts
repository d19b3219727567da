/**
 * Ports, service names and environment variables shared by the four services, the CLI and the
 * deploy manifests (which are tested against this file).
 */
export const SERVICE_PORTS = {
  'teacher-inference': 50051,
  'boundary-extractor': 50052,
  'student-trainer': 50053,
  evaluator: 50054,
} as const;

export type ServiceKey = keyof typeof SERVICE_PORTS;

export const SERVICE_KEYS = Object.keys(SERVICE_PORTS) as ServiceKey[];

/** Fully-qualified gRPC service names (what health checks and reflection report). */
export const GRPC_SERVICE_NAMES: Record<ServiceKey, string> = {
  'teacher-inference': 'abd.v1.TeacherInference',
  'boundary-extractor': 'abd.v1.BoundaryExtractor',
  'student-trainer': 'abd.v1.StudentTrainer',
  evaluator: 'abd.v1.Evaluator',
};

/** Environment variables read by the services and the kit. */
export const ENV = {
  /** Port to listen on (default: the service's entry in SERVICE_PORTS). */
  PORT: 'ABD_PORT',
  /** Interface to bind (default 0.0.0.0). */
  HOST: 'ABD_HOST',
  /** Artifact store URL: a directory, file://…, or s3://bucket/prefix. */
  STORE: 'ABD_STORE',
  /** Teacher replicas: `dns:///teacher-inference:50051` (headless Service) or `host:port,host:port`. */
  TEACHER_ADDRESSES: 'ABD_TEACHER_ADDRESSES',
  EXTRACTOR_ADDRESS: 'ABD_EXTRACTOR_ADDRESS',
  TRAINER_ADDRESS: 'ABD_TRAINER_ADDRESS',
  EVALUATOR_ADDRESS: 'ABD_EVALUATOR_ADDRESS',
  /** Bearer token required on every call but health; or a file holding it (mounted secret). */
  AUTH_TOKEN: 'ABD_AUTH_TOKEN',
  AUTH_TOKEN_FILE: 'ABD_AUTH_TOKEN_FILE',
  /** Server TLS: PEM certificate chain and key files; with CLIENT_CA, clients must present a cert. */
  TLS_CERT: 'ABD_TLS_CERT',
  TLS_KEY: 'ABD_TLS_KEY',
  TLS_CLIENT_CA: 'ABD_TLS_CLIENT_CA',
  /** Client TLS: CA file to verify servers (TLS_CERT/TLS_KEY double as the client's cert for mTLS). */
  TLS_CA: 'ABD_TLS_CA',
  /** Max gRPC message size in bytes, both directions. */
  MAX_MESSAGE_BYTES: 'ABD_MAX_MESSAGE_BYTES',
  /** Where the .proto sources are, for server reflection (default: protos/ of the checkout). */
  PROTO_DIR: 'ABD_PROTO_DIR',
  /** Grace period of a shutdown on SIGTERM before in-flight calls are cut. */
  SHUTDOWN_GRACE_MS: 'ABD_SHUTDOWN_GRACE_MS',
  /** Port of the web view (@abd/ui) the evaluator also serves when set; unset = no web view. */
  UI_PORT: 'ABD_UI_PORT',
} as const;

/** Which env var holds the address(es) of each service, for its callers. */
export const SERVICE_ADDRESS_ENV: Record<ServiceKey, string> = {
  'teacher-inference': ENV.TEACHER_ADDRESSES,
  'boundary-extractor': ENV.EXTRACTOR_ADDRESS,
  'student-trainer': ENV.TRAINER_ADDRESS,
  evaluator: ENV.EVALUATOR_ADDRESS,
};

/** 64 MiB: a batch of 128 raw float32 pre-activation maps of 32x32x64 is 32 MiB. */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

export const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;

/** Where a teacher-inference replica serves GET /metrics (Prometheus text); env ABD_METRICS_PORT, 'off' = not at all. */
export const DEFAULT_METRICS_PORT = 9464;
export const METRICS_PORT_ENV = 'ABD_METRICS_PORT';

/** The web view's port: `abd ui`'s default and the evaluator's `http-ui` port in the deploy. */
export const DEFAULT_UI_PORT = 8080;

function parsePort(name: string, raw: string): number {
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`${name}=${JSON.stringify(raw)} is not a port number (0-65535)`);
  }
  return port;
}

/** The port a service listens on: $ABD_PORT if set (validated), else its default. */
export function portFromEnv(service: ServiceKey, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[ENV.PORT];
  if (raw === undefined || raw === '') return SERVICE_PORTS[service];
  return parsePort(ENV.PORT, raw);
}

/** The web view's port: $ABD_UI_PORT (validated), or undefined when unset (no web view). */
export function uiPortFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env[ENV.UI_PORT];
  if (raw === undefined || raw === '') return undefined;
  return parsePort(ENV.UI_PORT, raw);
}

/** Default address of a service on this machine (what `abd up` starts). */
export function localAddress(service: ServiceKey): string {
  return `127.0.0.1:${SERVICE_PORTS[service]}`;
}
