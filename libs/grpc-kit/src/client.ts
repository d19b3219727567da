import {
  InterceptingCall,
  type ChannelCredentials,
  type ChannelOptions,
  type Interceptor,
} from '@grpc/grpc-js';
import { AUTH_METADATA_KEY } from './auth';
import { DEFAULT_MAX_MESSAGE_BYTES } from './ports';
import { channelCredentials, type ClientTls } from './tls';

export interface MakeClientOptions {
  /** Bearer token sent as `authorization` metadata on every call. */
  token?: string;
  /** TLS material; absent = plaintext. */
  tls?: ClientTls;
  /** Spread calls over every resolved address (a headless Service via dns:, or a list). */
  roundRobin?: boolean;
  maxMessageBytes?: number;
  /** Extra channel options, applied last. */
  channelOptions?: ChannelOptions;
}

/** Constructor shape of a ts-proto / grpc-js generated client. */
export type ClientConstructor<C> = new (
  address: string,
  credentials: ChannelCredentials,
  options?: object,
) => C;

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}:\d+$/;
const IPV6 = /^\[[0-9a-fA-F:.]+\]:\d+$/;

/**
 * Turns an address list into one gRPC target: a single address (or `dns:`/`ipv4:` URI) is used
 * as is; several IP:port literals become an `ipv4:`/`ipv6:` URI grpc-js resolves to all of
 * them. Several host names cannot be one target: use a headless Service with `dns:///name:port`.
 */
export function toTarget(address: string | string[]): string {
  const list = (Array.isArray(address) ? address : address.split(','))
    .map((a) => a.trim())
    .filter((a) => a.length > 0);
  if (list.length === 0) throw new Error('no address given');
  if (list.length === 1) return list[0];
  if (list.every((a) => IPV4.test(a))) return `ipv4:${list.join(',')}`;
  if (list.every((a) => IPV6.test(a))) return `ipv6:${list.join(',')}`;
  throw new Error(
    `cannot balance over ${JSON.stringify(list)}: give IP:port literals or one dns:///host:port name`,
  );
}

function tokenInterceptor(token: string): Interceptor {
  return (options, nextCall) =>
    new InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        metadata.set(AUTH_METADATA_KEY, `Bearer ${token}`);
        next(metadata, listener);
      },
    });
}

/**
 * Makes a client of a generated service: credentials, token, message limits and optional
 * round-robin over `address` (one address, a comma list, an array, or a `dns:` URI).
 */
export function makeClient<C>(
  Ctor: ClientConstructor<C>,
  address: string | string[],
  options: MakeClientOptions = {},
): C {
  const max = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const channel: ChannelOptions & { interceptors?: Interceptor[] } = {
    'grpc.max_receive_message_length': max,
    'grpc.max_send_message_length': max,
  };
  if (options.roundRobin) {
    channel['grpc.service_config'] = JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] });
  }
  if (options.tls?.serverName) channel['grpc.ssl_target_name_override'] = options.tls.serverName;
  Object.assign(channel, options.channelOptions);
  // The token rides as metadata via an interceptor, which (unlike call credentials) also works
  // on plaintext channels inside a cluster.
  if (options.token) channel.interceptors = [tokenInterceptor(options.token)];
  return new Ctor(toTarget(address), channelCredentials(options.tls), channel);
}
