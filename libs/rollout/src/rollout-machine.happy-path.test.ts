// The DESIGN.md rollout from start to end: 10% in canary-east → approval → 50% → 100% → Succeeded.
import { describe, expect, it } from 'vitest';
import { T0, Driver, SHA_A, alice, bob, effectTypes, onlyEffect } from './testing/fixtures.js';

const iso = (secondsAfterT0: number) => new Date(T0 + secondsAfterT0 * 1000).toISOString();
const IMAGE = 'oci://127.0.0.1:5000/filters/add-header:v2';
const DIGEST = `sha256:${'d'.repeat(64)}`;
const candidate = { revision: 1, image: IMAGE, digest: DIGEST, sha256: SHA_A };
const target = { clusters: { matchLabels: { env: 'prod' } }, workloads: { namespace: 'bookinfo', matchLabels: { app: 'ratings' } } };

describe('happy path', () => {
  const d = new Driver();

  it('starts Pending', () => {
    expect(d.status).toMatchObject({ phase: 'Pending', revision: 1, stepIndex: 0, stepCount: 4, message: 'revision 1 is waiting to start' });
  });

  it('Applied → Validating, asking for validation', () => {
    const r = d.send({ type: 'Applied', revision: 1, actor: alice });
    expect(d.status).toMatchObject({ phase: 'Validating', createdBy: 'alice', message: `validating revision 1: ${IMAGE}` });
    expect(effectTypes(r)).toEqual(['StartValidation', 'Audit']);
    expect(onlyEffect(r, 'StartValidation')).toEqual({
      type: 'StartValidation',
      rolloutId: 'bookinfo/add-header',
      slot: 'wasmfleet.bookinfo.add-header',
      revision: 1,
      image: IMAGE,
    });
    expect(onlyEffect(r, 'Audit')).toMatchObject({
      action: 'Applied',
      actor: alice,
      before: { phase: 'Pending', revision: 1, stepIndex: 0 },
      after: { phase: 'Validating', revision: 1, stepIndex: 0 },
      at: iso(0),
    });
  });

  it('ValidationSucceeded → step 1: 10% in canary-east with a 2m analysis window', () => {
    d.advance(10);
    const r = d.send({ type: 'ValidationSucceeded', revision: 1, digest: DIGEST, sha256: SHA_A });
    expect(d.status).toMatchObject({
      phase: 'Progressing',
      stepIndex: 0,
      stepStartedAt: iso(10),
      currentStep: 'step 1/4: 10% of proxies in canary-east, analysis 2m',
      message: 'step 1/4: 10% of proxies in canary-east, analysis 2m',
      candidate,
      canary: { share: 0.1, clusters: { names: ['canary-east'] }, waves: [{ clusters: { names: ['canary-east'] }, share: 0.1 }] },
      analysis: { windowStartedAt: iso(10), windowEndsAt: iso(130), failures: 0, consecutiveFailures: 0 },
    });
    expect(effectTypes(r)).toEqual(['SetAssignment', 'StartAnalysis', 'ScheduleTimer', 'Notify', 'Audit']);
    expect(onlyEffect(r, 'SetAssignment')).toEqual({
      type: 'SetAssignment',
      slot: 'wasmfleet.bookinfo.add-header',
      rolloutId: 'bookinfo/add-header',
      target,
      stable: null,
      candidate,
      waves: [{ clusters: { names: ['canary-east'] }, share: 0.1 }],
      seed: 'bookinfo/add-header#1',
    });
    expect(onlyEffect(r, 'StartAnalysis')).toMatchObject({ windowId: d.status.analysis!.id, startedAt: iso(10), endsAt: iso(130), intervalSeconds: 30, stable: null });
    expect(onlyEffect(r, 'ScheduleTimer')).toMatchObject({ kind: 'analysis-window', at: iso(130) });
    expect(onlyEffect(r, 'Notify')).toMatchObject({ event: 'started' });
  });

  it('a passing measurement changes counts only: no effects', () => {
    d.advance(60);
    const r = d.measure('Pass');
    expect(r.effects).toEqual([]);
    expect(d.status.analysis).toMatchObject({ measurements: 1, passes: 1, lastVerdict: 'Pass' });
    expect(d.status.phase).toBe('Progressing');
  });

  it('the window ends → awaiting approval by approver (timeout 24h)', () => {
    const windowId = d.status.analysis!.id;
    const r = d.fireNextTimer();
    expect(d.status).toMatchObject({
      phase: 'AwaitingApproval',
      stepIndex: 1,
      message: 'awaiting approval by approver (timeout 24h)',
      approval: { stepIndex: 1, roles: ['approver'], requestedAt: iso(130), timeoutAt: iso(130 + 86_400), requireComment: false },
    });
    expect(d.status.analysis).toBeUndefined();
    expect(effectTypes(r)).toEqual(['StopAnalysis', 'ScheduleTimer', 'RequestApproval', 'Notify', 'Notify', 'Audit']);
    expect(onlyEffect(r, 'StopAnalysis').windowId).toBe(windowId);
    expect(onlyEffect(r, 'RequestApproval')).toEqual({
      type: 'RequestApproval',
      rolloutId: 'bookinfo/add-header',
      revision: 1,
      stepIndex: 1,
      roles: ['approver'],
      timeoutAt: iso(130 + 86_400),
    });
    expect(r.effects.filter((e) => e.type === 'Notify').map((e) => (e as { event: string }).event)).toEqual(['step-completed', 'awaiting-approval']);
    // The canary stays as it was while waiting: no SetAssignment.
  });

  it('bob approves → step 3: 50% everywhere, canary-east keeps its candidates', () => {
    d.advance(600);
    const approvalTimer = d.status.timers[0]!.id;
    const r = d.send({ type: 'Approve', actor: bob, comment: 'dashboards look fine' });
    expect(r.reason.message).toBe('approved by bob; step 3/4: 50% of proxies in all target clusters, analysis 5m');
    expect(d.status).toMatchObject({
      phase: 'Progressing',
      stepIndex: 2,
      approvals: [{ stepIndex: 1, by: 'bob', at: iso(730), comment: 'dashboards look fine', via: 'Approve' }],
    });
    expect(d.status.approval).toBeUndefined();
    expect(effectTypes(r)).toEqual(['CancelTimers', 'SetAssignment', 'StartAnalysis', 'ScheduleTimer', 'Notify', 'Audit']);
    expect(onlyEffect(r, 'CancelTimers').timerIds).toEqual([approvalTimer]);
    expect(onlyEffect(r, 'SetAssignment').waves).toEqual([{ clusters: { names: ['canary-east'] }, share: 0.1 }, { share: 0.5 }]);
    expect(onlyEffect(r, 'ScheduleTimer')).toMatchObject({ kind: 'analysis-window', at: iso(730 + 300) });
    expect(onlyEffect(r, 'Audit')).toMatchObject({ action: 'Approve', actor: bob, comment: 'dashboards look fine', reason: { code: 'Approved' } });
  });

  it('the 50% window passes → 100% wave completes at once → Succeeded', () => {
    d.advance(120).measure('Pass');
    const r = d.fireNextTimer();
    expect(d.status).toMatchObject({
      phase: 'Succeeded',
      stepIndex: 4,
      currentStep: 'all 4 steps done',
      message: 'revision 1 is stable on every target proxy',
      stable: candidate,
      canary: { waves: [], share: 0 },
      timers: [],
      history: [{ artifact: candidate, outcome: 'Succeeded', at: iso(1030) }],
    });
    // The 100% wave and the promotion come out as one assignment: the candidate is the stable version now.
    expect(effectTypes(r)).toEqual(['StopAnalysis', 'SetAssignment', 'Notify', 'Notify', 'Audit']);
    expect(onlyEffect(r, 'SetAssignment')).toMatchObject({ stable: candidate, candidate: null, waves: [] });
    expect(r.effects.filter((e) => e.type === 'Notify').map((e) => (e as { event: string }).event)).toEqual(['step-completed', 'succeeded']);
  });

  it('audited every transition, with the actor for actions and "system" for the rest', () => {
    const audits = d.log.flatMap((x) => x.effects.filter((e) => e.type === 'Audit'));
    expect(audits.map((a) => [a.action, a.actor === 'system' ? 'system' : a.actor.id, a.after.phase])).toEqual([
      ['Applied', 'alice', 'Validating'],
      ['ValidationSucceeded', 'system', 'Progressing'],
      ['Tick', 'system', 'AwaitingApproval'],
      ['Approve', 'bob', 'Progressing'],
      ['Tick', 'system', 'Succeeded'],
    ]);
  });
});

describe('a second revision on top of a stable one', () => {
  it('serves the stable version outside the canary and compares against it', () => {
    const d = new Driver();
    d.start(SHA_A);
    d.send({ type: 'PromoteFull', actor: bob });
    expect(d.status.phase).toBe('Succeeded');
    d.spec = { ...d.spec, spec: { ...d.spec.spec, filter: { ...d.spec.spec.filter, image: 'oci://127.0.0.1:5000/filters/add-header:v3' } } };
    const applied = d.send({ type: 'Applied', revision: 2, actor: alice });
    expect(d.status).toMatchObject({ phase: 'Validating', revision: 2, candidate: { revision: 2, image: 'oci://127.0.0.1:5000/filters/add-header:v3' } });
    expect(d.status.baseline).toMatchObject({ revision: 1, sha256: SHA_A });
    expect(onlyEffect(applied, 'SetAssignment')).toMatchObject({ stable: { revision: 1 }, candidate: null, seed: 'bookinfo/add-header#2' });
    const r = d.send({ type: 'ValidationSucceeded', revision: 2, sha256: 'e'.repeat(64) });
    expect(onlyEffect(r, 'SetAssignment')).toMatchObject({ stable: { revision: 1, sha256: SHA_A }, candidate: { revision: 2, sha256: 'e'.repeat(64) } });
    expect(onlyEffect(r, 'StartAnalysis').stable).toMatchObject({ revision: 1 });
  });
});
