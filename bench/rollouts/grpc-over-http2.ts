// A bidirectional gRPC stream on bare node:http2, for the rollout benchmark's load client: it simulates
// thousands of Envoys in one process, and grpc-js' per-message machinery (interceptors, object streams,
// metadata) made the simulated fleet, not the server, the larger part of every latency it recorded.
// gRPC over HTTP/2 is small: a POST with content-type application/grpc, each message prefixed by a
// compressed flag (0) and a 4-byte big-endian length, the status in the trailers.
import http2 from 'node:http2';

export interface RawGrpcStreamHandlers {
  onMessage(message: Buffer): void;
  onError(error: Error): void;
}

/**
 * Envoy's default HTTP/2 flow-control windows (Http2ProtocolOptions initial_stream_window_size and
 * initial_connection_window_size: 256 MiB each). With node:http2's default 64 KiB connection window, a
 * burst of responses to the 100 streams of one connection stalled until the client's WINDOW_UPDATEs got
 * through the server's backlog of ACKs, and the benchmark measured that instead of the control plane.
 */
const ENVOY_WINDOW_BYTES = 256 * 1024 * 1024;

/** One HTTP/2 connection (grpc-js' channel) to `target` (`host:port`), with Envoy's flow-control windows. */
export function connectHttp2(target: string): http2.ClientHttp2Session {
  const session = http2.connect(`http://${target}`, { settings: { initialWindowSize: ENVOY_WINDOW_BYTES } });
  session.once('connect', () => session.setLocalWindowSize(ENVOY_WINDOW_BYTES));
  session.on('error', () => undefined); // each stream reports its own failure
  return session;
}

export class RawGrpcStream {
  private readonly req: http2.ClientHttp2Stream;
  private pending: Buffer = Buffer.alloc(0);
  private failed = false;

  constructor(session: http2.ClientHttp2Session, path: string, authorization: string, private readonly handlers: RawGrpcStreamHandlers) {
    this.req = session.request({
      ':method': 'POST',
      ':path': path,
      'content-type': 'application/grpc',
      te: 'trailers',
      authorization,
    });
    this.req.on('response', (headers) => {
      const status = headers[':status'];
      const grpcStatus = headers['grpc-status'];
      if (status !== 200) this.fail(new Error(`HTTP ${String(status)}`));
      else if (grpcStatus !== undefined && grpcStatus !== '0') this.fail(new Error(`gRPC status ${String(grpcStatus)}: ${String(headers['grpc-message'] ?? '')}`));
    });
    this.req.on('trailers', (trailers) => {
      const grpcStatus = trailers['grpc-status'];
      if (grpcStatus !== undefined && grpcStatus !== '0') this.fail(new Error(`gRPC status ${String(grpcStatus)}: ${String(trailers['grpc-message'] ?? '')}`));
    });
    this.req.on('data', (chunk: Buffer) => this.read(chunk));
    this.req.on('error', (err: Error) => this.fail(err));
  }

  write(message: Buffer): void {
    const head = Buffer.allocUnsafe(5);
    head[0] = 0;
    head.writeUInt32BE(message.length, 1);
    this.req.write(Buffer.concat([head, message]));
  }

  /** Splits the byte stream into messages; one may span chunks, one chunk may hold many. */
  private read(chunk: Buffer): void {
    let buf = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    while (buf.length >= 5) {
      const length = buf.readUInt32BE(1);
      if (buf.length < 5 + length) break;
      if (buf[0] !== 0) return this.fail(new Error('compressed gRPC message: not expected from this server'));
      this.handlers.onMessage(buf.subarray(5, 5 + length));
      buf = buf.subarray(5 + length);
    }
    this.pending = buf;
  }

  private fail(error: Error): void {
    if (this.failed) return;
    this.failed = true;
    this.handlers.onError(error);
  }
}
