// The gRPC adapter of ECDS: authenticates each call, runs one libs/xds session per stream, and maps
// domain errors to gRPC status codes. Nothing here decides what a node sees; the cache and its resolver do.
// A stream lives for days, so its token is verified again while it is open: one that was revoked or has
// expired ends the stream with UNAUTHENTICATED (at once after a revoke on this replica, otherwise within the
// verifier's cache TTL, 5 s).
import * as grpc from '@grpc/grpc-js';
import { TypeUrls } from '@wasmfleet/envoy';
import {
  DeltaSession,
  NackLedger,
  ResourceCache,
  SotwSession,
  XdsProtocolError,
  type NodeInfo,
  type SotwRequest,
  type SotwResponse,
  type StreamKind,
  type XdsObserver,
} from '@wasmfleet/xds';
import { AuthenticationError, AuthorizationError } from '../auth/auth-errors.js';
import { authorize } from '../auth/authorize.js';
import { DEFAULT_TOKEN_CACHE_TTL_MS, type BearerTokenVerifier } from '../auth/bearer-token.js';
import { MalformedMessage } from '@wasmfleet/envoy';
import { ecdsServiceDefinition } from './ecds-service-definition.js';
import { fetchExtensionConfigs } from './fetch-extension-configs.js';

export interface EcdsStreamCounter {
  streamOpened(kind: StreamKind): void;
  streamClosed(kind: StreamKind): void;
}

export interface EcdsGrpcDeps {
  cache: ResourceCache;
  nacks: NackLedger;
  verifier: BearerTokenVerifier;
  observer: XdsObserver & EcdsStreamCounter;
  log: (level: 'warn' | 'debug', message: string) => void;
}

type Session = { handle(req: unknown): void; close(): void; readonly nodeInfo: NodeInfo | undefined };

/** An open stream: the credential it opened with (memory only, never logged), and how it ends. */
interface OpenStream {
  authorization: string | undefined;
  fail(err: unknown): void;
}
type AnyCall = grpc.ServerDuplexStream<unknown, unknown> | grpc.ServerUnaryCall<unknown, unknown>;

function statusOf(err: unknown): { code: grpc.status; details: string } {
  if (err instanceof MalformedMessage) return { code: grpc.status.INVALID_ARGUMENT, details: err.reason };
  if (err instanceof AuthenticationError) return { code: grpc.status.UNAUTHENTICATED, details: err.message };
  if (err instanceof AuthorizationError) return { code: grpc.status.PERMISSION_DENIED, details: err.message };
  if (err instanceof XdsProtocolError) return { code: grpc.status.INVALID_ARGUMENT, details: err.message };
  return { code: grpc.status.INTERNAL, details: 'internal error' };
}

export class EcdsGrpcServer {
  private server: grpc.Server | undefined;
  private readonly streams = new Map<Session, OpenStream>();
  private reauthentication: NodeJS.Timeout | undefined;

  constructor(private readonly deps: EcdsGrpcDeps) {}

  /**
   * Any valid token may subscribe for now (every role holds xds:subscribe); revoked or expired → UNAUTHENTICATED.
   * Returns the credential, to verify again while the stream is open.
   */
  private async authenticate(call: AnyCall, service: string): Promise<string | undefined> {
    const value = call.metadata.get('authorization')[0];
    const header = typeof value === 'string' ? value : value?.toString();
    const principal = await this.deps.verifier.verify(header);
    authorize(principal, { permission: 'xds:subscribe' }, service);
    return header;
  }

  /** Verifies the token of every open stream again (once per distinct token); ends those no longer valid. */
  async reauthenticate(): Promise<void> {
    const byCredential = new Map<string | undefined, OpenStream[]>();
    for (const open of this.streams.values()) {
      const same = byCredential.get(open.authorization);
      if (same) same.push(open);
      else byCredential.set(open.authorization, [open]);
    }
    await Promise.all(
      [...byCredential].map(async ([authorization, streams]) => {
        try {
          await this.deps.verifier.verify(authorization);
        } catch (err) {
          // Only a verdict on the token ends streams; Redis being away for a moment does not.
          if (err instanceof AuthenticationError) for (const open of streams) open.fail(err);
          else this.deps.log('warn', `ECDS re-authentication failed: ${String(err)}`);
        }
      }),
    );
  }

  private stream(kind: StreamKind) {
    return async (call: grpc.ServerDuplexStream<unknown, unknown>) => {
      let session: Session | undefined;
      const fail = (err: unknown) => {
        const status = statusOf(err);
        if (status.code === grpc.status.INTERNAL) this.deps.log('warn', `ECDS ${kind} stream failed: ${String(err)}`);
        close();
        call.emit('error', status);
      };
      const close = () => {
        if (!session) return;
        this.streams.delete(session);
        session.close();
        session = undefined;
        this.deps.observer.streamClosed(kind);
      };
      let authorization: string | undefined;
      try {
        authorization = await this.authenticate(call, `ECDS ${kind} stream`);
      } catch (err) {
        return fail(err);
      }
      if (call.cancelled) return; // gone while its token was checked; requests wait in the stream's buffer till then
      const options = {
        cache: this.deps.cache,
        typeUrl: TypeUrls.typedExtensionConfig,
        nacks: this.deps.nacks,
        observer: this.deps.observer,
      };
      session =
        kind === 'sotw'
          ? new SotwSession({ ...options, stream: { send: (r) => call.write(r) } })
          : new DeltaSession({ ...options, coalesceChanges: true, stream: { send: (r) => call.write(r) } });
      this.streams.set(session, { authorization, fail });
      this.deps.observer.streamOpened(kind);
      call.on('data', (req: unknown) => {
        if (!session) return;
        if (req instanceof MalformedMessage) return fail(req);
        try {
          session.handle(req);
        } catch (err) {
          fail(err);
        }
      });
      call.on('end', () => {
        close();
        call.end();
      });
      call.on('cancelled', close);
      call.on('error', close);
      call.on('close', close);
    };
  }

  private async fetch(call: grpc.ServerUnaryCall<SotwRequest | MalformedMessage, SotwResponse>, done: grpc.sendUnaryData<SotwResponse>) {
    try {
      await this.authenticate(call, 'ECDS fetch');
      const req = call.request;
      if (req instanceof MalformedMessage) throw req;
      done(null, fetchExtensionConfigs(this.deps.cache, req, TypeUrls.typedExtensionConfig));
    } catch (err) {
      done(statusOf(err));
    }
  }

  /** The nodes of the open streams of this replica (direct mode reads their stats URLs). */
  connectedNodes(): NodeInfo[] {
    return [...this.streams.keys()].flatMap((s) => (s.nodeInfo ? [s.nodeInfo] : []));
  }

  /** Binds and starts; returns the bound port (useful with port 0). */
  async start(bind: string, port: number): Promise<number> {
    const server = new grpc.Server({
      'grpc.max_receive_message_length': 4 * 1024 * 1024,
      'grpc.keepalive_time_ms': 30_000,
      'grpc.keepalive_timeout_ms': 10_000,
    });
    server.addService(ecdsServiceDefinition, {
      StreamExtensionConfigs: this.stream('sotw'),
      DeltaExtensionConfigs: this.stream('delta'),
      FetchExtensionConfigs: this.fetch.bind(this),
    });
    const host = bind.includes(':') ? `[${bind}]` : bind;
    const bound = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`${host}:${port}`, grpc.ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(new Error(`cannot listen for ECDS gRPC on ${host}:${port} (${err.message}); set WASMFLEET_GRPC_PORT`)) : resolve(p),
      ),
    );
    this.server = server;
    // As often as the verifier's cache lets a revoke on another replica through.
    this.reauthentication = setInterval(() => void this.reauthenticate(), DEFAULT_TOKEN_CACHE_TTL_MS).unref();
    return bound;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    clearInterval(this.reauthentication);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => server.forceShutdown(), 2_000);
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
