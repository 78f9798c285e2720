// Helpers for rollout integration tests: WasmRollout bodies for the example filters, waiting for phases,
// the versions a proxy fleet runs, steady traffic through a fleet, the audit log, SSE and webhook receivers.
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { EXAMPLE_FILTERS, eventually, exampleFilterSha, type ProxyProcess, type TestHttpServer } from './proxy-process.js';
import type { ServerProcess } from './server-process.js';

export type ExampleFilter = 'add-header' | 'faulty' | 'rate-limit' | 'c-add-header';

const ROOT_IDS: Record<ExampleFilter, string> = { 'add-header': 'add_header', faulty: 'faulty', 'rate-limit': 'rate_limit', 'c-add-header': 'c_add_header' };

export interface RolloutBody {
  name: string;
  namespace?: string;
  /** http://… of startModuleServer(). */
  modulesUrl: string;
  filter: ExampleFilter;
  config?: unknown;
  steps: unknown[];
  analysis?: Record<string, unknown>;
  slot?: string;
  automaticRollback?: boolean;
}

/** A WasmRollout of one example filter for the proxies of cluster canary-east, app=ratings. */
export function rolloutBody(o: RolloutBody) {
  const namespace = o.namespace ?? 'bookinfo';
  return {
    apiVersion: 'wasmfleet.io/v1alpha1',
    kind: 'WasmRollout',
    metadata: { name: o.name, namespace },
    spec: {
      filter: {
        image: `${o.modulesUrl}/${o.filter}.wasm`,
        sha256: exampleFilterSha(o.filter),
        rootId: ROOT_IDS[o.filter],
        config: o.config ?? {},
        failurePolicy: 'FAIL_CLOSED',
        ...(o.slot && { slot: o.slot }),
      },
      target: { clusters: { names: ['canary-east'] }, workloads: { namespace, matchLabels: { app: 'ratings' } } },
      strategy: { steps: o.steps, analysis: { interval: '5s', ...o.analysis }, rollback: { automatic: o.automaticRollback ?? true } },
    },
  };
}

/** `r<revision>.<sha256[0:12]>`: the xDS version (and config_dump version) of an example filter's artifact. */
export function versionOf(revision: number, filter: ExampleFilter): string {
  return `r${revision}.${exampleFilterSha(filter).slice(0, 12)}`;
}

export const TERMINAL_PHASES = ['Succeeded', 'Failed', 'RolledBack', 'Aborted'];

/** Waits until the rollout is in `phase` (or one of them); fails with the last phase and message seen. */
export async function waitPhase(server: () => ServerProcess, id: string, phase: string | string[], token: string, timeoutMs = 20_000): Promise<any> {
  const wanted = Array.isArray(phase) ? phase : [phase];
  let last = '(no answer)';
  try {
    return await eventually(async () => {
      const r = await server().api('GET', `/api/v1/rollouts/${id}`, undefined, token);
      last = `${r.status} ${r.body?.phase}: ${r.body?.message}`;
      return wanted.includes(r.body?.phase) ? r.body : undefined;
    }, `${id} to reach ${wanted.join(' or ')}`, timeoutMs);
  } catch (err) {
    throw new Error(`${(err as Error).message}; last seen ${last}`);
  }
}

/** The version each proxy of the fleet runs in its (first) slot, from /config_dump; null for none. */
export function slotVersions(fleet: ProxyProcess): Promise<Array<string | null>> {
  return Promise.all(
    fleet.nodes.map(async (n) => {
      const dump = (await (await fetch(`${n.admin}/config_dump`)).json()) as { slots: Array<{ version: string | null }> };
      return dump.slots[0]?.version ?? null;
    }),
  );
}

export interface Traffic {
  /** Requests answered so far, by status. */
  statuses: Map<number, number>;
  stop(): Promise<void>;
}

/** One loop per URL sending GET / back to back (a few ms apart) until stop(). Errors are counted as status 0. */
export function startTraffic(urls: readonly string[], pauseMs = 5): Traffic {
  const statuses = new Map<number, number>();
  let running = true;
  const loops = urls.map(async (url) => {
    while (running) {
      let status = 0;
      try {
        const res = await fetch(`${url}/`, { signal: AbortSignal.timeout(2_000) });
        await res.arrayBuffer();
        status = res.status;
      } catch {
        status = 0;
      }
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      await new Promise((r) => setTimeout(r, pauseMs));
    }
  });
  return {
    statuses,
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

export interface AuditEntry {
  id: string;
  rolloutId: string;
  action: string;
  actor: { id: string; roles: string[] } | 'system';
  before: { phase: string; revision: number; stepIndex: number };
  after: { phase: string; revision: number; stepIndex: number };
  reason: { code: string; message: string };
  comment?: string;
  at: string;
}

/** The rollout's audit entries, oldest first. */
export async function auditOf(server: ServerProcess, id: string, token: string): Promise<AuditEntry[]> {
  const res = await server.api('GET', `/api/v1/audit?rollout=${encodeURIComponent(id)}&limit=10000`, undefined, token);
  if (res.status !== 200) throw new Error(`audit answered ${res.status}: ${JSON.stringify(res.body)}`);
  return (res.body.items as AuditEntry[]).slice().reverse();
}

/** `Approve AwaitingApproval r1#3 → Paused r1#5`: what one transition did, without who and when. */
export function transitionOf(e: AuditEntry): string {
  return `${e.action} ${e.before.phase} r${e.before.revision}#${e.before.stepIndex} → ${e.after.phase} r${e.after.revision}#${e.after.stepIndex}`;
}

/** Transitions that appear more than once. */
export function duplicateTransitions(entries: readonly AuditEntry[]): string[] {
  const seen = new Map<string, number>();
  for (const e of entries) seen.set(transitionOf(e), (seen.get(transitionOf(e)) ?? 0) + 1);
  return [...seen].filter(([, n]) => n > 1).map(([t, n]) => `${t} (×${n})`);
}

export interface SseEvent {
  event: string;
  data: string;
}

export interface SseStream {
  events: SseEvent[];
  /** Resolves with the first event (seen so far or later) that matches; rejects after timeoutMs. */
  waitFor(match: (e: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent>;
  close(): void;
}

/** Opens GET /api/v1/events; resolves once the server has answered (and so subscribed this stream). */
export async function openSse(server: ServerProcess, token: string): Promise<SseStream> {
  const abort = new AbortController();
  const res = await fetch(`${server.http}/api/v1/events`, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' }, signal: abort.signal });
  if (res.status !== 200 || !res.body) throw new Error(`events answered ${res.status}`);
  if (!res.headers.get('content-type')?.startsWith('text/event-stream')) throw new Error(`events content-type ${res.headers.get('content-type')}`);
  const events: SseEvent[] = [];
  const waiters = new Set<() => void>();
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  void (async () => {
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += value;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const lines = block.split('\n');
          const event = lines.find((l) => l.startsWith('event: '))?.slice(7);
          const data = lines.filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
          if (event !== undefined) events.push({ event, data });
          for (const wake of waiters) wake();
        }
      }
    } catch {
      /* aborted */
    }
  })();
  return {
    events,
    waitFor: (match, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const found = events.find(match);
          if (!found) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching SSE event within ${timeoutMs} ms (got ${events.length}: ${events.map((e) => e.event).join(', ')})`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
    close: () => abort.abort(),
  };
}

export interface WebhookDelivery {
  headers: http.IncomingHttpHeaders;
  body: string;
  json: any;
}

export interface WebhookReceiver {
  url: string;
  deliveries: WebhookDelivery[];
  close(): Promise<void>;
}

/** A webhook endpoint that records every POST and answers 204. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const deliveries: WebhookDelivery[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown = undefined;
      try {
        json = JSON.parse(body);
      } catch {
        /* not JSON: json stays undefined */
      }
      deliveries.push({ headers: req.headers, body, json });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`,
    deliveries,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** `sha256=<hex>` of HMAC-SHA256(secret, body): what x-wasmfleet-signature must say. */
export function expectedSignature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/**
 * Kills the server with SIGKILL (no shutdown at all) and waits until the process is gone. Not followed by
 * server.stop(): that waits for an 'exit' that already happened when the child died of a signal.
 */
export async function killHard(server: ServerProcess): Promise<void> {
  const child = server.child;
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/** server.stop() unless the process is already gone (stop() would wait for an exit that already happened). */
export async function stopIfRunning(server: ServerProcess | undefined): Promise<void> {
  if (server && server.child.exitCode === null && server.child.signalCode === null) await server.stop();
}

/** Serves the example filters at /<name>.wasm like startModuleServer(), but answers each request after `delayMs`. */
export async function startSlowModuleServer(delayMs: number): Promise<TestHttpServer> {
  const requests: TestHttpServer['requests'] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    const timer = setTimeout(() => {
      timers.delete(timer);
      try {
        res.writeHead(200, { 'content-type': 'application/wasm' }).end(readFileSync(path.join(EXAMPLE_FILTERS, path.basename(req.url ?? ''))));
      } catch {
        res.writeHead(404).end();
      }
    }, delayMs);
    timers.add(timer);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    requests,
    close: () =>
      new Promise((r) => {
        for (const t of timers) clearTimeout(t);
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
