// Starts Debian's `prometheus` for a test: a free loopback port, a temporary TSDB, a generated config that
// scrapes the given targets (full URLs, e.g. a proxy's stats_url) every second. stop() removes everything.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './free-port.js';

export const PROMETHEUS_BIN = process.env['PROMETHEUS_BIN'] ?? '/usr/bin/prometheus';

export interface TestPrometheus {
  /** Base URL, e.g. http://127.0.0.1:9123 */
  url: string;
  child: ChildProcess;
  output(): string;
  /** Runs an instant query; returns the vector (or throws with Prometheus' error). */
  query(promql: string, time?: Date): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  stop(): Promise<void>;
}

export interface PrometheusOptions {
  scrapeIntervalSeconds?: number;
  /** Extra labels on every target (e.g. `{ job_kind: 'proxy' }`). */
  labels?: Record<string, string>;
}

/** One scrape job per target, since targets may differ in scheme and path. JSON is valid YAML. */
function configFor(targets: readonly string[], interval: number, labels: Record<string, string>): string {
  return JSON.stringify({
    global: { scrape_interval: `${interval}s`, scrape_timeout: `${Math.max(500, Math.round(interval * 800))}ms`, evaluation_interval: `${interval}s` },
    scrape_configs: targets.map((raw, i) => {
      const u = new URL(raw);
      return {
        job_name: `target-${i}`,
        scheme: u.protocol.replace(':', ''),
        metrics_path: u.pathname,
        ...(u.search && { params: Object.fromEntries([...u.searchParams].map(([k, v]) => [k, [v]])) }),
        static_configs: [{ targets: [u.host], labels }],
      };
    }),
  });
}

export async function startPrometheus(targets: readonly string[], options: PrometheusOptions = {}): Promise<TestPrometheus> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wasmfleet-prometheus-'));
  const config = path.join(dir, 'prometheus.yml');
  writeFileSync(config, configFor(targets, options.scrapeIntervalSeconds ?? 1, options.labels ?? {}));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    PROMETHEUS_BIN,
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.retention.time=1h',
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  let spawnError: Error | undefined;
  child.once('error', (err) => (spawnError = err));

  const stop = () =>
    new Promise<void>((resolve) => {
      const done = () => {
        rmSync(dir, { recursive: true, force: true });
        resolve();
      };
      if (child.exitCode !== null || child.signalCode !== null || spawnError) return done();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      child.once('exit', () => {
        clearTimeout(timer);
        done();
      });
      child.kill('SIGTERM');
    });

  const deadline = Date.now() + 20_000;
  for (;;) {
    if (spawnError) {
      await stop();
      throw new Error(`cannot start ${PROMETHEUS_BIN}: ${spawnError.message}`);
    }
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`prometheus exited with ${child.exitCode}:\n${out}`);
    }
    const ready = await fetch(`${url}/-/ready`).then((r) => r.ok, () => false);
    if (ready) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus not ready within 20 s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  return {
    url,
    child,
    output: () => out,
    query: async (promql, time) => {
      const params = new URLSearchParams({ query: promql, ...(time && { time: String(time.getTime() / 1000) }) });
      const json = (await (await fetch(`${url}/api/v1/query?${params}`)).json()) as {
        status: string;
        error?: string;
        data: { result: { metric: Record<string, string>; value: [number, string] }[] };
      };
      if (json.status !== 'success') throw new Error(`prometheus query failed: ${json.error} (${promql})`);
      return json.data.result;
    },
    stop,
  };
}
