// Follows one rollout until it ends: subscribes to the server's events first, then reads the rollout (so no
// change between the two is lost), then reports each change (phase, revision, step or message) once, in order
// of the rollout's version. A dropped stream (server restart) is reopened after the server's `retry:` delay and
// the rollout read again; a server gone for longer than RECONNECT_FOR_MS ends the watch with an error.
import type { ServerClient } from '../api/server-client.js';
import { UnreachableError } from '../api/server-errors.js';
import { CliError } from '../cli-error.js';
import { ExitCode } from '../exit-codes.js';
import type { RolloutRef } from './rollout-ref.js';
import { isTerminal, type RolloutView } from './rollout-view.js';

const RECONNECT_FOR_MS = 60_000;
const DEFAULT_RETRY_MS = 3_000;

export interface WatchOptions {
  /** called for the first view and each change */
  onChange(view: RolloutView): void | Promise<void>;
  /** give up (exit 1) after this long */
  timeoutMs?: number;
  /** told about a lost connection (stderr) */
  onReconnect?(message: string): void;
}

const changeKey = (v: RolloutView) => JSON.stringify([v.phase, v.revision, v.stepIndex, v.message]);

/** Resolves with the rollout's terminal view. */
export async function watchRollout(client: ServerClient, ref: RolloutRef, opts: WatchOptions): Promise<RolloutView> {
  let lastVersion = -1;
  let lastKey = '';
  let lastPhase = 'unknown';
  let ended: RolloutView | undefined;
  const seen = async (v: RolloutView) => {
    if (v.id !== ref.id || typeof v.version !== 'number' || v.version <= lastVersion) return;
    lastVersion = v.version;
    lastPhase = v.phase;
    const key = changeKey(v);
    if (key !== lastKey) {
      lastKey = key;
      await opts.onChange(v);
    }
    if (isTerminal(v.phase)) ended = v;
  };

  const deadline = opts.timeoutMs !== undefined ? Date.now() + opts.timeoutMs : undefined;
  const timedOut = () =>
    new CliError(`${ref.id} did not end within ${Math.round(opts.timeoutMs! / 1000)} s (it is ${lastPhase})`, ExitCode.failure, `see where it is: wasmfleet rollout status ${ref.id}`);
  let downSince: number | undefined;
  let reported = false;
  let retryMs = DEFAULT_RETRY_MS;

  for (;;) {
    const controller = new AbortController();
    const timer = deadline !== undefined ? setTimeout(() => controller.abort(), Math.max(0, deadline - Date.now())) : undefined;
    try {
      const stream = await client.events(controller.signal);
      await seen(await client.get<RolloutView>(ref.path, { hints: { not_found: 'list rollouts with `wasmfleet rollout list`' } }));
      downSince = undefined;
      reported = false;
      if (ended) return ended;
      for await (const e of stream.events) {
        retryMs = stream.retryMs() ?? retryMs;
        if (e.event !== 'rollout') continue;
        let view: RolloutView;
        try {
          view = JSON.parse(e.data) as RolloutView;
        } catch {
          continue;
        }
        await seen(view);
        if (ended) return ended;
      }
      retryMs = stream.retryMs() ?? retryMs;
    } catch (err) {
      if (deadline !== undefined && Date.now() >= deadline) throw timedOut();
      // server errors (401, 404…) end the watch; only a lost connection is retried
      if (!(err instanceof UnreachableError)) throw err;
      downSince ??= Date.now();
      if (Date.now() - downSince > RECONNECT_FOR_MS) throw err;
    } finally {
      clearTimeout(timer);
      controller.abort();
    }
    if (deadline !== undefined && Date.now() >= deadline) throw timedOut();
    if (!reported) opts.onReconnect?.(`lost the event stream of ${client.url}; reconnecting every ${Math.round(retryMs / 1000)} s for up to ${RECONNECT_FOR_MS / 1000} s`);
    reported = true;
    await new Promise((r) => setTimeout(r, retryMs));
  }
}
