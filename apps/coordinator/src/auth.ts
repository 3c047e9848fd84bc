import { createHash, timingSafeEqual } from 'node:crypto';
import {
  ResponderBuilder,
  ServerInterceptingCall,
  ServerListenerBuilder,
  status,
  type Metadata,
  type ServerInterceptor,
} from '@grpc/grpc-js';

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

export function hasBearerToken(metadata: Metadata, token: string): boolean {
  const [value] = metadata.get('authorization');
  if (typeof value !== 'string' || !value.startsWith('Bearer ')) return false;
  // Equal-length digests: the comparison takes the same time whatever the guess.
  return timingSafeEqual(digest(value.slice('Bearer '.length)), digest(token));
}

/** Every call, workers' and clients' alike, must carry `authorization: Bearer <token>`; others get UNAUTHENTICATED. */
export function bearerAuth(token: string): ServerInterceptor {
  return (_method, call) => {
    const listener = new ServerListenerBuilder()
      .withOnReceiveMetadata((metadata, next) => {
        if (hasBearerToken(metadata, token)) next(metadata);
        else call.sendStatus({ code: status.UNAUTHENTICATED, details: 'missing or wrong bearer token' });
      })
      .build();
    return new ServerInterceptingCall(call, new ResponderBuilder().withStart((next) => next(listener)).build());
  };
}
