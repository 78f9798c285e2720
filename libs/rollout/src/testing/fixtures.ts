// Shared by the tests: the DESIGN.md rollout, a settable clock, actors, and a driver that feeds events to
// decide() and keeps the latest status.
import { expect } from 'vitest';
import { decide, initialStatus, type Decision } from '../rollout-machine.js';
import type { Actor, RolloutEvent } from '../events.js';
import type { Effect, EffectType } from '../effects.js';
import { parseRolloutSpec, parseRolloutYaml } from '../parse-rollout.js';
import type { RolloutStatus } from '../rollout-status.js';
import type { WasmRollout } from '../rollout-spec.js';
import type { DecideOptions } from '../transition.js';

export const DESIGN_YAML = `
apiVersion: wasmfleet.io/v1alpha1
kind: WasmRollout
metadata: { name: add-header, namespace: bookinfo }
spec:
  filter:
    image: oci://127.0.0.1:5000/filters/add-header:v2   # tag or @sha256 digest; http(s):// also accepted
    rootId: add_header
    config: { header: x-powered-by, value: wasmfleet }   # passed to on_configure
    failurePolicy: FAIL_OPEN                              # FAIL_CLOSED | FAIL_OPEN | FAIL_RELOAD
  target:
    clusters: { matchLabels: { env: prod } }
    workloads: { namespace: bookinfo, matchLabels: { app: ratings } }
  strategy:
    steps:
      - { clusters: [canary-east], proxies: 10%, analysis: { duration: 2m } }
      - approval: { roles: [approver], timeout: 24h }
      - { proxies: 50%, analysis: { duration: 5m } }
      - { proxies: 100% }
    analysis: { maxErrorRate: 1%, maxLatencyIncrease: 20%, maxNacks: 0, failureLimit: 2 }
    rollback: { automatic: true }
`;

export const designRollout = (): WasmRollout => parseRolloutYaml(DESIGN_YAML);

/** The DESIGN.md rollout as an object, to be tweaked by a test before parsing. */
export function rolloutInput(): Record<string, any> {
  return structuredClone(parseRolloutYaml(DESIGN_YAML)) as Record<string, any>;
}

export function rolloutWith(change: (input: Record<string, any>) => void): WasmRollout {
  const input = rolloutInput();
  change(input);
  return parseRolloutSpec(input);
}

export const T0 = Date.parse('2026-03-01T10:00:00.000Z');
export const SHA_A = 'a'.repeat(64);
export const SHA_B = 'b'.repeat(64);
export const SHA_C = 'c'.repeat(64);

export const alice: Actor = { id: 'alice', roles: ['operator'] };
export const bob: Actor = { id: 'bob', roles: ['approver', 'operator'] };
export const carol: Actor = { id: 'carol', roles: ['viewer'] };

/** Drives one rollout through decide() with a clock the test moves. */
export class Driver {
  now = T0;
  status: RolloutStatus;
  last: Decision | undefined;
  readonly log: Decision[] = [];

  constructor(
    public spec: WasmRollout = designRollout(),
    readonly options: DecideOptions = {},
    revision = 1,
  ) {
    this.status = initialStatus(spec, revision, new Date(this.now));
  }

  advance(seconds: number): this {
    this.now += seconds * 1000;
    return this;
  }

  send(event: RolloutEvent): Decision {
    const decision = decide(this.spec, this.status, event, new Date(this.now), this.options);
    this.status = decision.status;
    this.last = decision;
    this.log.push(decision);
    return decision;
  }

  /** Applied by alice, then validated with sha256 `sha`. */
  start(sha = SHA_A): Decision {
    this.send({ type: 'Applied', revision: this.status.revision, actor: alice });
    return this.send({ type: 'ValidationSucceeded', revision: this.status.revision, digest: `sha256:${'d'.repeat(64)}`, sha256: sha });
  }

  /** One measurement of the running window. */
  measure(verdict: 'Pass' | 'Fail' | 'Inconclusive', details: string[] = []): Decision {
    const window = this.status.analysis;
    if (window === undefined) throw new Error(`no analysis window running (${this.status.phase}: ${this.status.message})`);
    return this.send({ type: 'AnalysisResult', windowId: window.id, measurement: window.lastMeasurement + 1, verdict, details });
  }

  /** Moves the clock to the first pending timer and delivers its Tick. */
  fireNextTimer(): Decision {
    const timer = [...this.status.timers].sort((a, b) => Date.parse(a.at) - Date.parse(b.at))[0];
    if (timer === undefined) throw new Error(`no timer pending (${this.status.phase})`);
    this.now = Math.max(this.now, Date.parse(timer.at));
    return this.send({ type: 'Tick', timerId: timer.id });
  }

  /** A passing window: one Pass measurement, then its end. */
  passWindow(): Decision {
    this.advance(30).measure('Pass');
    return this.fireNextTimer();
  }
}

export function effectTypes(decision: Decision): EffectType[] {
  return decision.effects.map((e) => e.type);
}

export function effectsOf<T extends EffectType>(decision: Decision, type: T): Extract<Effect, { type: T }>[] {
  return decision.effects.filter((e): e is Extract<Effect, { type: T }> => e.type === type);
}

export function onlyEffect<T extends EffectType>(decision: Decision, type: T): Extract<Effect, { type: T }> {
  const found = effectsOf(decision, type);
  if (found.length !== 1) throw new Error(`expected one ${type}, got ${found.length}: ${JSON.stringify(decision.effects)}`);
  return found[0]!;
}

export const withImage = (spec: WasmRollout, tag: string): WasmRollout => ({
  ...spec,
  spec: { ...spec.spec, filter: { ...spec.spec.filter, image: `oci://127.0.0.1:5000/filters/add-header:${tag}` } },
});

/** Revision 1 succeeded, then revision 2 started (validated with SHA_B) and is in its first window. */
export function secondRevision(spec?: WasmRollout): Driver {
  const d = new Driver(spec);
  d.start(SHA_A);
  d.send({ type: 'PromoteFull', actor: bob });
  d.spec = withImage(d.spec, 'v3');
  d.send({ type: 'Applied', revision: 2, actor: alice });
  d.send({ type: 'ValidationSucceeded', revision: 2, sha256: SHA_B });
  expect(d.status).toMatchObject({ phase: 'Progressing', revision: 2, stable: { revision: 1 } });
  return d;
}
