// Prometheus metrics of the server. Every ECDS metric is labelled by stream kind (sotw | delta).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { NackRecord, NodeInfo, StreamKind, XdsObserver } from '@wasmfleet/xds';
import type { EcdsStreamCounter } from '../ecds/ecds-grpc-server.js';

export class ServerMetrics implements XdsObserver, EcdsStreamCounter {
  readonly registry = new Registry();
  private readonly streams = new Gauge({ name: 'wasmfleet_xds_streams', help: 'Open ECDS streams', labelNames: ['kind'], registers: [this.registry] });
  private readonly pushes = new Counter({ name: 'wasmfleet_xds_pushes_total', help: 'ECDS responses sent', labelNames: ['kind'], registers: [this.registry] });
  private readonly acks = new Counter({ name: 'wasmfleet_xds_acks_total', help: 'ECDS ACKs received', labelNames: ['kind'], registers: [this.registry] });
  private readonly nacks = new Counter({ name: 'wasmfleet_xds_nacks_total', help: 'ECDS NACKs received', labelNames: ['kind'], registers: [this.registry] });
  private readonly pushLatency = new Histogram({
    name: 'wasmfleet_xds_push_latency_seconds',
    help: 'From a resource change reaching this replica to the response written to a stream',
    labelNames: ['kind'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    for (const kind of ['sotw', 'delta']) this.streams.set({ kind }, 0);
  }

  streamOpened(kind: StreamKind): void {
    this.streams.inc({ kind });
  }

  streamClosed(kind: StreamKind): void {
    this.streams.dec({ kind });
  }

  // Label children resolved once: onPush and onAck run once per stream per push.
  private readonly byKind = {
    sotw: { pushes: this.pushes.labels({ kind: 'sotw' }), latency: this.pushLatency.labels({ kind: 'sotw' }), acks: this.acks.labels({ kind: 'sotw' }) },
    delta: { pushes: this.pushes.labels({ kind: 'delta' }), latency: this.pushLatency.labels({ kind: 'delta' }), acks: this.acks.labels({ kind: 'delta' }) },
  };

  onPush(e: { kind: StreamKind; node: NodeInfo; names: string[]; latencyMs: number | undefined }): void {
    const child = this.byKind[e.kind];
    child.pushes.inc();
    if (e.latencyMs !== undefined) child.latency.observe(e.latencyMs / 1000);
  }

  onAck(e: { kind: StreamKind }): void {
    this.byKind[e.kind].acks.inc();
  }

  onNack(e: { kind: StreamKind; record: NackRecord }): void {
    this.nacks.inc({ kind: e.kind });
  }
}
