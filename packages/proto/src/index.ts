export * from './gen/prunebench/v1/coordinator.ts';
export { bearerInterceptor, channelCredentials, channelOptions, connectCoordinator, type ConnectOptions } from './client.ts';
export { unary } from './promise.ts';
