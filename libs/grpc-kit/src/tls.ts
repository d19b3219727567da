import { readFileSync } from 'node:fs';
import { credentials, ServerCredentials, type ChannelCredentials } from '@grpc/grpc-js';
import { ENV } from './ports';

/** Server TLS material (PEM). With `clientCa`, clients must present a certificate it signed. */
export interface ServerTls {
  cert: Buffer;
  key: Buffer;
  clientCa?: Buffer;
}

/** Client TLS material (PEM): `ca` verifies the server; `cert`+`key` for mutual TLS. */
export interface ClientTls {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  /** Expected name in the server certificate when it differs from the address's host. */
  serverName?: string;
}

const read = (file: string | undefined): Buffer | undefined =>
  file ? readFileSync(file) : undefined;

/** Server TLS from $ABD_TLS_CERT/$ABD_TLS_KEY (+ $ABD_TLS_CLIENT_CA); undefined = plaintext. */
export function serverTlsFromEnv(env: NodeJS.ProcessEnv = process.env): ServerTls | undefined {
  const cert = read(env[ENV.TLS_CERT]);
  const key = read(env[ENV.TLS_KEY]);
  if (!cert && !key) return undefined;
  if (!cert || !key) throw new Error(`TLS needs both ${ENV.TLS_CERT} and ${ENV.TLS_KEY}`);
  return { cert, key, clientCa: read(env[ENV.TLS_CLIENT_CA]) };
}

/** Client TLS from $ABD_TLS_CA (+ $ABD_TLS_CERT/$ABD_TLS_KEY for mTLS); undefined = plaintext. */
export function clientTlsFromEnv(env: NodeJS.ProcessEnv = process.env): ClientTls | undefined {
  const ca = read(env[ENV.TLS_CA]);
  if (!ca) return undefined;
  return { ca, cert: read(env[ENV.TLS_CERT]), key: read(env[ENV.TLS_KEY]) };
}

export function serverCredentials(tls: ServerTls | undefined): ServerCredentials {
  if (!tls) return ServerCredentials.createInsecure();
  return ServerCredentials.createSsl(
    tls.clientCa ?? null,
    [{ cert_chain: tls.cert, private_key: tls.key }],
    tls.clientCa !== undefined,
  );
}

export function channelCredentials(tls: ClientTls | undefined): ChannelCredentials {
  if (!tls) return credentials.createInsecure();
  return credentials.createSsl(tls.ca ?? null, tls.key ?? null, tls.cert ?? null);
}
