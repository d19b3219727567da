export {
  AUTH_METADATA_KEY,
  authTokenFromEnv,
  bearerAuthInterceptor,
  isHealthMethod,
  sameToken,
} from './auth';
export { CallAbortedError, callContext, type CallContext } from './call-context';
export { makeClient, toTarget, type ClientConstructor, type MakeClientOptions } from './client';
export {
  AlreadyExistsError,
  DomainError,
  FailedPreconditionError,
  INTERNAL_MESSAGE,
  InvalidArgumentError,
  NotFoundError,
  ResourceExhaustedError,
  toGrpcStatus,
  UnauthenticatedError,
  type GrpcStatus,
} from './errors';
export {
  bidi,
  serverStream,
  unary,
  type BidiHandler,
  type HandlerOptions,
  type ServerStreamHandler,
  type UnaryHandler,
} from './handlers';
export { HealthService } from './health';
export { jsonLogger, silentLogger, type Logger } from './logger';
export {
  DEFAULT_MAX_MESSAGE_BYTES,
  DEFAULT_SHUTDOWN_GRACE_MS,
  DEFAULT_METRICS_PORT,
  DEFAULT_UI_PORT,
  METRICS_PORT_ENV,
  ENV,
  GRPC_SERVICE_NAMES,
  localAddress,
  portFromEnv,
  SERVICE_ADDRESS_ENV,
  SERVICE_KEYS,
  SERVICE_PORTS,
  uiPortFromEnv,
  type ServiceKey,
} from './ports';
export {
  addReflection,
  defaultProtoDir,
  listProtoFiles,
  type ReflectionOptions,
} from './reflection';
export {
  serviceName,
  startServer,
  type RunningServer,
  type ServiceRegistration,
  type StartServerOptions,
} from './server';
export { installSignalHandlers, type SignalOptions } from './signals';
export {
  channelCredentials,
  clientTlsFromEnv,
  serverCredentials,
  serverTlsFromEnv,
  type ClientTls,
  type ServerTls,
} from './tls';
export { validateName } from './validate-name';
export { checkTapList, MAX_TAPS, shownName } from './validate-taps';
export { Wakeup } from './wakeup';
