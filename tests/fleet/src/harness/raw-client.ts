import { Client, credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { bearerInterceptor } from '@prunebench/proto';
import { TOKEN } from './fleet.ts';

export const SERVICE = '/prunebench.v1.Coordinator/';
export const UNARY_METHODS = ['Register', 'Lease', 'Heartbeat', 'CompleteShard', 'FailShard', 'ReleaseShard', 'SubmitSweep', 'GetStatus', 'CancelSweep', 'ListWorkers'] as const;

export interface RawOutcome {
  code: number;
  details: string;
  /** Bytes of the response message, when the call succeeded. */
  bytes: number;
}

const identity = (b: Buffer): Buffer => b;

/**
 * A grpc-js client that sends whatever bytes it is given as the request message: the coordinator's decoder, not
 * ours, decides what they mean. `token: null` sends no authorization header at all.
 */
export class RawClient {
  readonly client: Client;

  constructor(address: string, token: string | null = TOKEN) {
    this.client = new Client(address, credentials.createInsecure(), {
      'grpc.use_local_subchannel_pool': 1,
      'grpc.max_send_message_length': 64 * 1024 * 1024,
      ...(token === null ? {} : { interceptors: [bearerInterceptor(token)] }),
    });
  }

  unary(method: string, payload: Buffer, metadata = new Metadata(), timeoutMs = 10_000): Promise<RawOutcome> {
    return new Promise((resolve) => {
      this.client.makeUnaryRequest(SERVICE + method, identity, identity, payload, metadata, { deadline: Date.now() + timeoutMs }, (error: ServiceError | null, response?: Buffer) => {
        if (error) resolve({ code: error.code, details: error.details, bytes: 0 });
        else resolve({ code: status.OK, details: '', bytes: response?.length ?? 0 });
      });
    });
  }

  /** Writes `payloads` on one ReportResults stream and collects its acks (raw) until it ends. */
  reportStream(payloads: Buffer[], timeoutMs = 10_000): Promise<{ code: number; details: string; acks: Buffer[] }> {
    return new Promise((resolve) => {
      const acks: Buffer[] = [];
      const call = this.client.makeBidiStreamRequest(SERVICE + 'ReportResults', identity, identity, new Metadata(), { deadline: Date.now() + timeoutMs });
      let settled = false;
      const finish = (code: number, details: string): void => {
        if (settled) return;
        settled = true;
        resolve({ code, details, acks });
      };
      call.on('data', (ack: Buffer) => acks.push(ack));
      call.on('error', (error: ServiceError) => finish(error.code, error.details));
      call.on('status', (s: { code: number; details: string }) => finish(s.code, s.details));
      for (const payload of payloads) call.write(payload);
      call.end();
    });
  }

  close(): void {
    this.client.close();
  }
}

/** Protobuf wire encoding by hand, to build messages the generated encoder would never produce. */
export const wire = {
  varint(value: bigint): Buffer {
    let v = BigInt.asUintN(64, value);
    const out: number[] = [];
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v !== 0n) byte |= 0x80;
      out.push(byte);
    } while (v !== 0n);
    return Buffer.from(out);
  },
  key(field: number, wireType: number): Buffer {
    return wire.varint(BigInt((field << 3) | wireType));
  },
  /** A length-delimited field whose declared length may lie about the bytes that follow. */
  bytes(field: number, payload: Buffer, declaredLength = payload.length): Buffer {
    return Buffer.concat([wire.key(field, 2), wire.varint(BigInt(declaredLength)), payload]);
  },
  int(field: number, value: bigint): Buffer {
    return Buffer.concat([wire.key(field, 0), wire.varint(value)]);
  },
};
