import { readFileSync } from 'node:fs';
import { credentials, type ChannelCredentials, type ChannelOptions, type Interceptor, InterceptingCall } from '@grpc/grpc-js';
import { CoordinatorClient } from './gen/prunebench/v1/coordinator.ts';

export interface ConnectOptions {
  token: string;
  /** PEM file of the CA that signed the coordinator's certificate; without it the channel is plaintext. */
  tlsCaFile?: string;
  /** Overrides the name checked against the certificate (tests use `localhost` certificates). */
  tlsServerName?: string;
  /** Extra channel options, e.g. `grpc.use_local_subchannel_pool` for one connection per in-process worker. */
  channel?: ChannelOptions;
}

/** Large result batches and exports: lift grpc-js's 4 MiB receive limit once, for every client. */
export const channelOptions: ChannelOptions = {
  'grpc.max_receive_message_length': 64 * 1024 * 1024,
  'grpc.max_send_message_length': 64 * 1024 * 1024,
  'grpc.keepalive_time_ms': 30_000,
};

/**
 * Adds `authorization: Bearer <token>` to every call. An interceptor rather than call credentials, because grpc-js
 * refuses call credentials on plaintext channels and the coordinator runs without TLS on trusted networks.
 */
export function bearerInterceptor(token: string): Interceptor {
  return (options, nextCall) =>
    new InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        metadata.set('authorization', `Bearer ${token}`);
        next(metadata, listener);
      },
    });
}

export function channelCredentials(options: Pick<ConnectOptions, 'tlsCaFile'>): ChannelCredentials {
  if (!options.tlsCaFile) return credentials.createInsecure();
  let ca: Buffer;
  try {
    ca = readFileSync(options.tlsCaFile);
  } catch (error) {
    throw new Error(`cannot read --tls-ca file ${options.tlsCaFile}: ${(error as Error).message}`, { cause: error });
  }
  return credentials.createSsl(ca);
}

/** A coordinator client for `host:port`, authenticated with the bearer token. Close it with `client.close()`. */
export function connectCoordinator(address: string, options: ConnectOptions): CoordinatorClient {
  const channel: ChannelOptions = { ...channelOptions, ...options.channel, interceptors: [bearerInterceptor(options.token)] };
  if (options.tlsServerName) channel['grpc.ssl_target_name_override'] = options.tlsServerName;
  return new CoordinatorClient(address, channelCredentials(options), channel);
}
