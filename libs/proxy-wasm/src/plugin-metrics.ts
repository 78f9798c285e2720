// Metrics a filter defines with proxy_define_metric. They belong to the plugin, not to one VM, so
// counters keep counting across VM reloads (a reloaded VM defining the same name gets the same id).
// Semantics follow Envoy: counters only grow, gauges move both ways and can be set, histograms only
// record and cannot be read back.

import { MetricType, WasmResult } from './abi-constants.js';
import type { MetricValue } from './types.js';

type Kind = MetricValue['type'];

interface Metric {
  name: string;
  type: Kind;
  value: bigint;
  count: number;
  sum: bigint;
}

const KINDS: Record<number, Kind> = {
  [MetricType.Counter]: 'counter',
  [MetricType.Gauge]: 'gauge',
  [MetricType.Histogram]: 'histogram',
};

function exact(value: bigint): number | bigint {
  return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value;
}

export class PluginMetrics {
  private metrics: Metric[] = [];
  private ids = new Map<string, number>();

  define(type: number, name: string): { status: number; id?: number } {
    const kind = KINDS[type];
    if (!kind) return { status: WasmResult.BadArgument };
    const key = `${kind}\0${name}`;
    let id = this.ids.get(key);
    if (id === undefined) {
      this.metrics.push({ name, type: kind, value: 0n, count: 0, sum: 0n });
      id = this.metrics.length;
      this.ids.set(key, id);
    }
    return { status: WasmResult.Ok, id };
  }

  private find(id: number): Metric | undefined {
    return this.metrics[id - 1];
  }

  increment(id: number, offset: bigint): number {
    const m = this.find(id);
    if (!m) return WasmResult.NotFound;
    if (m.type === 'histogram' || (m.type === 'counter' && offset < 0n)) return WasmResult.BadArgument;
    m.value += offset;
    return WasmResult.Ok;
  }

  record(id: number, value: bigint): number {
    const m = this.find(id);
    if (!m) return WasmResult.NotFound;
    if (m.type === 'counter') m.value += value;
    else if (m.type === 'gauge') m.value = value;
    else {
      m.count++;
      m.sum += value;
    }
    return WasmResult.Ok;
  }

  get(id: number): { status: number; value?: bigint } {
    const m = this.find(id);
    if (!m) return { status: WasmResult.NotFound };
    if (m.type === 'histogram') return { status: WasmResult.BadArgument };
    return { status: WasmResult.Ok, value: m.value };
  }

  /** Counter and gauge values are numbers while they fit in 2^53, bigints beyond. */
  snapshot(): MetricValue[] {
    return this.metrics.map((m) =>
      m.type === 'histogram'
        ? { name: m.name, type: m.type, value: m.count, sum: m.sum }
        : { name: m.name, type: m.type, value: exact(m.value) },
    );
  }
}
