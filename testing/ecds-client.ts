// A grpc-js ECDS client built independently of the server's codec: @grpc/proto-loader over Envoy's protos.
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { PROTO_INCLUDE_DIRS } from '../libs/envoy/src/proto-root.js';

export const TEC_TYPE_URL = 'type.googleapis.com/envoy.config.core.v3.TypedExtensionConfig';

let ctor: grpc.ServiceClientConstructor | undefined;

function clientConstructor(): grpc.ServiceClientConstructor {
  if (ctor) return ctor;
  const def = protoLoader.loadSync(
    ['envoy/service/extension/v3/config_discovery.proto', 'envoy/extensions/filters/http/wasm/v3/wasm.proto'],
    { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true, includeDirs: PROTO_INCLUDE_DIRS },
  );
  const pkg = grpc.loadPackageDefinition(def) as any;
  ctor = pkg.envoy.service.extension.v3.ExtensionConfigDiscoveryService as grpc.ServiceClientConstructor;
  return ctor;
}

export function ecdsClient(target: string, options: grpc.ClientOptions = {}): any {
  const Ctor = clientConstructor();
  return new Ctor(target, grpc.credentials.createInsecure(), options);
}

export function authMetadata(token: string): grpc.Metadata {
  const md = new grpc.Metadata();
  md.set('authorization', `Bearer ${token}`);
  return md;
}

/** A bidi stream whose responses can be awaited one at a time. */
export class StreamProbe<Res = any> {
  readonly responses: Res[] = [];
  private waiters: Array<() => void> = [];
  error: (Error & { code?: number; details?: string }) | undefined;
  ended = false;

  constructor(readonly call: grpc.ClientDuplexStream<any, Res>) {
    call.on('data', (r: Res) => {
      this.responses.push(r);
      this.wake();
    });
    call.on('error', (e) => {
      this.error = e;
      this.wake();
    });
    call.on('end', () => {
      this.ended = true;
      this.wake();
    });
  }

  private wake() {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Waits until `count` responses have arrived (or the stream failed). */
  async next(count = this.responses.length + 1, timeoutMs = 5_000): Promise<Res> {
    const deadline = Date.now() + timeoutMs;
    while (this.responses.length < count) {
      if (this.error) throw this.error;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for response #${count} (have ${this.responses.length})`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.responses[count - 1]!;
  }

  async failure(timeoutMs = 5_000): Promise<Error & { code?: number; details?: string }> {
    const deadline = Date.now() + timeoutMs;
    while (!this.error) {
      if (Date.now() > deadline) throw new Error('stream did not fail');
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.error;
  }

  /** True when no new response arrives within `ms`. */
  async quietFor(ms: number): Promise<boolean> {
    const before = this.responses.length;
    await new Promise((r) => setTimeout(r, ms));
    return this.responses.length === before;
  }

  write(req: unknown) {
    this.call.write(req);
  }

  close() {
    this.call.cancel();
  }
}
