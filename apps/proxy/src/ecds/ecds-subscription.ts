// One ECDS subscription over gRPC (SotW or Delta), as Envoy's config_discovery holds it: the libs/xds
// client engines do the protocol; this adapter owns the stream, the bearer token, and reconnects with
// jittered backoff. Applied configs stay in place while the server is unreachable (static stability).
import * as grpc from '@grpc/grpc-js';
import {
  decodeDeltaResponse,
  decodeSotwResponse,
  decodeTypedExtensionConfig,
  encodeDeltaRequest,
  encodeSotwRequest,
  MalformedMessage,
  TypeUrls,
} from '@wasmfleet/envoy';
import { DeltaClient, SotwClient, type DeltaRequest, type NodeInfo, type ResourceApplier, type SotwRequest } from '@wasmfleet/xds';

const SERVICE = '/envoy.service.extension.v3.ExtensionConfigDiscoveryService';

/** The two flavours differ only in method, codec and engine; the stream handling below is shared. */
interface Flavour {
  method: string;
  encode: (req: unknown) => Buffer;
  decode: (buf: Buffer) => unknown;
  engine: { connect(send: (req: unknown) => void): void; onResponse(res: unknown): Promise<void> };
}

export interface EcdsSubscriptionOptions {
  target: string;
  token?: string;
  mode: 'sotw' | 'delta';
  node: NodeInfo;
  names: string[];
  applier: ResourceApplier;
  log: (level: 'info' | 'warn', message: string) => void;
  onConnectedChange?: (connected: boolean) => void;
  backoff?: { baseMs: number; maxMs: number };
  /** One HTTP/2 connection shared by the subscriptions of many proxies in one process (`--replicas`). */
  channel?: grpc.Client;
}

export class EcdsSubscription {
  private readonly client: grpc.Client;
  private readonly ownsClient: boolean;
  private call: grpc.ClientDuplexStream<unknown, unknown> | undefined;
  private stopped = false;
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly flavour: Flavour;

  constructor(private readonly o: EcdsSubscriptionOptions) {
    this.ownsClient = !o.channel;
    this.client = o.channel ?? new grpc.Client(o.target, grpc.credentials.createInsecure());
    const typeUrl = TypeUrls.typedExtensionConfig;
    this.flavour =
      o.mode === 'delta'
        ? {
            method: `${SERVICE}/DeltaExtensionConfigs`,
            encode: (req) => encodeDeltaRequest(req as DeltaRequest),
            decode: decodeDeltaResponse,
            engine: new DeltaClient({ node: o.node, typeUrl, names: o.names, applier: o.applier }) as Flavour['engine'],
          }
        : {
            method: `${SERVICE}/StreamExtensionConfigs`,
            encode: (req) => encodeSotwRequest(req as SotwRequest),
            decode: decodeSotwResponse,
            engine: new SotwClient({
              node: o.node,
              typeUrl,
              names: o.names,
              applier: o.applier,
              nameOf: (any) => decodeTypedExtensionConfig(any).name,
            }) as Flavour['engine'],
          };
  }

  start(): void {
    if (this.stopped || this.call) return;
    const md = new grpc.Metadata();
    if (this.o.token) md.set('authorization', `Bearer ${this.o.token}`);
    const { method, encode, decode, engine } = this.flavour;
    const call = this.client.makeBidiStreamRequest<unknown, unknown>(method, encode, decode, md);
    this.call = call;
    let connected = false;
    call.on('data', (res: unknown) => {
      if (!connected) {
        connected = true;
        this.failures = 0;
        this.o.onConnectedChange?.(true);
      }
      if (res instanceof MalformedMessage) {
        this.o.log('warn', `ECDS ${this.o.target}: ${res.reason}; reconnecting`);
        call.cancel();
        return;
      }
      void engine.onResponse(res);
    });
    const lost = (why: string) => {
      if (this.call !== call) return;
      this.call = undefined;
      if (connected) this.o.onConnectedChange?.(false);
      if (this.stopped) return;
      this.failures++;
      const backoff = this.o.backoff ?? { baseMs: 500, maxMs: 10_000 };
      const ceiling = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.min(this.failures - 1, 16));
      const delay = ceiling / 2 + Math.random() * (ceiling / 2);
      this.o.log('warn', `ECDS ${this.o.target}: ${why}; retrying in ${Math.round(delay)} ms`);
      this.timer = setTimeout(() => this.start(), delay);
    };
    call.on('error', (err: grpc.ServiceError) => lost(`${grpc.status[err.code] ?? err.code}: ${err.details || err.message}`));
    call.on('end', () => lost('stream ended by the server'));
    engine.connect((req) => call.write(req));
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.call?.cancel();
    this.call = undefined;
    if (this.ownsClient) this.client.close();
  }
}
