// Follows GET /api/v1/events (Server-Sent Events) and keeps the latest view of each rollout, so the
// orchestrator sees transitions without polling the REST API during measurements.
import { log, wallNow } from './harness.js';

export interface RolloutView {
  id: string;
  phase: string;
  revision: number;
  stepIndex: number;
  stepCount: number;
  updatedAt: string;
  message: string;
  canary: { share: number };
  version: number;
}

export class RolloutEvents {
  readonly latest = new Map<string, RolloutView>();
  private readonly abort = new AbortController();
  private listeners = new Set<(v: RolloutView, receivedAt: number) => void>();
  events = 0;
  private done: Promise<void> | undefined;

  constructor(
    private readonly base: string,
    private readonly token: string,
  ) {}

  /** Resolves once the stream is open. */
  async start(): Promise<void> {
    const res = await fetch(`${this.base}/api/v1/events`, {
      headers: { authorization: `Bearer ${this.token}`, accept: 'text/event-stream' },
      signal: this.abort.signal,
    });
    if (res.status !== 200 || !res.body) throw new Error(`GET /api/v1/events answered ${res.status}`);
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    this.done = (async () => {
      let buffer = '';
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          const receivedAt = wallNow();
          buffer += decoder.decode(value, { stream: true });
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const data = block
              .split('\n')
              .filter((l) => l.startsWith('data:'))
              .map((l) => l.slice(5).trimStart())
              .join('\n');
            if (!data || !/^event: rollout$/m.test(block)) continue;
            this.accept(JSON.parse(data) as RolloutView, receivedAt);
          }
        }
      } catch (err) {
        if (!this.abort.signal.aborted) log(`SSE: ${(err as Error).message}`);
      }
    })();
  }

  /** Also fed with REST answers (e.g. a promote's response), which are as fresh as any event. */
  accept(view: RolloutView, receivedAt = wallNow()): void {
    const prev = this.latest.get(view.id);
    if (prev && prev.version > view.version) return;
    this.events += 1;
    this.latest.set(view.id, view);
    for (const l of this.listeners) l(view, receivedAt);
  }

  onView(listener: (v: RolloutView, receivedAt: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.done?.catch(() => undefined);
  }
}
