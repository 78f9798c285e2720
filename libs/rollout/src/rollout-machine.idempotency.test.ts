// Events arrive twice, late or early (a crash between storing the status and acknowledging a job, a timer
// job that fires again, clocks that differ a little). Each must apply once or not at all.
import { describe, expect, it } from 'vitest';
import { decide, initialStatus } from './rollout-machine.js';
import type { RolloutEvent } from './events.js';
import { Driver, SHA_A, T0, alice, bob, designRollout } from './testing/fixtures.js';

function expectIgnored(d: Driver, event: RolloutEvent, why: RegExp): void {
  const before = d.status;
  const r = d.send(event);
  expect(r.ignored).toBe(true);
  expect(r.effects).toEqual([]);
  expect(r.status).toBe(before);
  expect(r.reason.code).toBe('Ignored');
  expect(r.reason.message).toMatch(why);
}

describe('timers', () => {
  it('a re-delivered Tick is a no-op', () => {
    const d = new Driver();
    d.start();
    d.measure('Pass');
    const timer = d.status.timers[0]!;
    d.fireNextTimer();
    expect(d.status.phase).toBe('AwaitingApproval');
    expectIgnored(d, { type: 'Tick', timerId: timer.id }, /timer .* is not pending/);
  });

  it('a Tick for a timer of an earlier step is a no-op', () => {
    const d = new Driver();
    d.start();
    const old = d.status.timers[0]!;
    d.send({ type: 'Promote', actor: alice });
    d.now = Date.parse(old.at) + 1000;
    expectIgnored(d, { type: 'Tick', timerId: old.id }, /not pending/);
    expect(d.status.phase).toBe('AwaitingApproval');
  });

  it('a Tick before the timer is due is a no-op (the clock is the one given, not the job’s)', () => {
    const d = new Driver();
    d.start();
    const timer = d.status.timers[0]!;
    d.now = Date.parse(timer.at) - 1;
    expectIgnored(d, { type: 'Tick', timerId: timer.id }, /not yet due/);
    d.now += 1;
    expect(d.send({ type: 'Tick', timerId: timer.id }).ignored).toBe(false);
  });

  it('a Tick without an id fires whatever is due (catch-up after a restart)', () => {
    const d = new Driver();
    d.start();
    d.measure('Pass');
    expectIgnored(d, { type: 'Tick' }, /no timer is due/);
    d.advance(3600); // the server was down past the window's end
    d.send({ type: 'Tick' });
    expect(d.status.phase).toBe('AwaitingApproval');
    expect(d.status.timers).toHaveLength(1); // the approval timeout, due in 24h, did not fire
  });

  it('timers live in the status, so a rebuilt server re-arms them from it', () => {
    const d = new Driver();
    d.start();
    d.passWindow();
    const stored = JSON.parse(JSON.stringify(d.status));
    expect(stored.timers).toEqual([{ id: expect.any(String), kind: 'approval-timeout', at: stored.approval.timeoutAt }]);
    const r = decide(d.spec, stored, { type: 'Tick' }, new Date(Date.parse(stored.approval.timeoutAt)));
    expect(r.status.phase).toBe('RolledBack');
  });
});

describe('system events', () => {
  it('a repeated measurement is counted once', () => {
    const d = new Driver();
    d.start();
    const windowId = d.status.analysis!.id;
    d.send({ type: 'AnalysisResult', windowId, measurement: 1, verdict: 'Fail', details: [] });
    expectIgnored(d, { type: 'AnalysisResult', windowId, measurement: 1, verdict: 'Fail', details: [] }, /already counted/);
    expect(d.status.analysis).toMatchObject({ failures: 1, measurements: 1 });
    expect(d.status.phase).toBe('Progressing');
  });

  it('a measurement of a closed window is a no-op', () => {
    const d = new Driver();
    d.start();
    const windowId = d.status.analysis!.id;
    d.send({ type: 'Promote', actor: alice });
    expectIgnored(d, { type: 'AnalysisResult', windowId, measurement: 1, verdict: 'Fail', details: [] }, /is not running/);
  });

  it('a repeated Applied or validation result is a no-op', () => {
    const d = new Driver();
    d.start(SHA_A);
    expectIgnored(d, { type: 'Applied', revision: 1, actor: alice }, /not newer/);
    expectIgnored(d, { type: 'ValidationSucceeded', revision: 1, sha256: SHA_A }, /while revision 1 is Progressing/);
    expectIgnored(d, { type: 'ValidationFailed', revision: 1, reason: 'late' }, /while revision 1 is Progressing/);
  });

  it('events about an older revision are no-ops', () => {
    const d = new Driver();
    d.start();
    d.send({ type: 'Applied', revision: 2, actor: alice });
    expectIgnored(d, { type: 'ValidationSucceeded', revision: 1, sha256: SHA_A }, /revision 1 arrived while revision 2/);
    expectIgnored(d, { type: 'NackReported', revision: 1, count: 1, message: 'x' }, /NACK of revision 1/);
    expectIgnored(d, { type: 'Applied', revision: 1, actor: alice }, /not newer/);
  });

  it('a NACK after the rollout ended is a no-op', () => {
    const d = new Driver();
    d.start();
    d.send({ type: 'PromoteFull', actor: bob });
    expectIgnored(d, { type: 'NackReported', revision: 1, count: 1, message: 'x' }, /Succeeded/);
  });
});

describe('purity', () => {
  it('never mutates the status it is given', () => {
    const d = new Driver();
    d.start();
    const frozen = structuredClone(d.status);
    decide(d.spec, d.status, { type: 'Abort', actor: alice }, new Date(d.now));
    decide(d.spec, d.status, { type: 'Tick' }, new Date(d.now + 10 * 3600_000));
    expect(d.status).toEqual(frozen);
  });

  it('takes time only from `now`: the same inputs give the same output', () => {
    const spec = designRollout();
    const status = initialStatus(spec, 1, new Date(T0));
    const event: RolloutEvent = { type: 'Applied', revision: 1, actor: alice };
    const a = decide(spec, status, event, new Date(T0 + 5000));
    const b = decide(spec, status, event, new Date(T0 + 5000));
    expect(a).toEqual(b);
    expect(a.status.updatedAt).toBe(new Date(T0 + 5000).toISOString());
    const c = decide(spec, a.status, { type: 'ValidationSucceeded', revision: 1, sha256: SHA_A }, new Date(T0 + 7000));
    expect(c.status.analysis?.windowEndsAt).toBe(new Date(T0 + 7000 + 120_000).toISOString());
  });

  it('status survives a JSON round trip (it is stored in Redis)', () => {
    const d = new Driver();
    d.start();
    d.passWindow();
    expect(JSON.parse(JSON.stringify(d.status))).toEqual(d.status);
  });
});
