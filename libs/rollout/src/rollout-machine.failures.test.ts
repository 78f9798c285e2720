// Failure paths: analysis failures, inconclusive windows, NACKs, approval timeouts, validation.
import { describe, expect, it } from 'vitest';
import { Driver, SHA_A, SHA_C, alice, effectTypes, effectsOf, onlyEffect, rolloutWith, secondRevision } from './testing/fixtures.js';

const FAIL_DETAILS = ['error rate 4.2% > 1% (candidate) vs 0.1% (stable)'];
const held = () => rolloutWith((d) => (d.spec.strategy.rollback.automatic = false));
describe('analysis failure', () => {
  it('rolls back automatically, in one assignment, to the stable version', () => {
    const d = secondRevision();
    d.measure('Fail', FAIL_DETAILS);
    expect(d.status.phase).toBe('Progressing'); // one failure is within failureLimit 2 / consecutive 2
    const r = d.measure('Fail', FAIL_DETAILS);
    expect(d.status).toMatchObject({
      phase: 'RolledBack',
      reason: { code: 'AnalysisFailed' },
      message: 'analysis failed: error rate 4.2% > 1% (candidate) vs 0.1% (stable); rolled back automatically to revision 1',
      rolledBackTo: 1,
      stable: { revision: 1, sha256: SHA_A },
      canary: { waves: [] },
      timers: [],
    });
    expect(effectTypes(r)).toEqual(['CancelTimers', 'StopAnalysis', 'SetAssignment', 'Notify', 'Notify', 'Audit']);
    expect(onlyEffect(r, 'SetAssignment')).toMatchObject({ stable: { revision: 1, sha256: SHA_A }, candidate: null, waves: [] });
    expect(effectsOf(r, 'Notify').map((n) => n.event)).toEqual(['failed', 'rolled-back']);
    expect(onlyEffect(r, 'Audit')).toMatchObject({ actor: 'system', action: 'AnalysisResult', reason: { code: 'AnalysisFailed', message: `analysis failed: ${FAIL_DETAILS[0]}` } });
    expect(d.status.history.at(-1)).toMatchObject({ outcome: 'RolledBack', artifact: { revision: 2 } });
  });

  it('fails once failures exceed failureLimit even when not consecutive', () => {
    const d = new Driver(rolloutWith((doc) => (doc.spec.strategy.analysis = { failureLimit: 1, consecutiveFailureLimit: 0 })));
    d.start();
    d.measure('Fail');
    d.measure('Pass');
    expect(d.status.phase).toBe('Progressing');
    d.measure('Fail');
    expect(d.status.phase).toBe('RolledBack');
  });

  it('without automatic rollback: Failed, canary held where it was until someone acts', () => {
    const d = new Driver(held());
    d.start();
    d.measure('Fail', FAIL_DETAILS);
    const r = d.measure('Fail', FAIL_DETAILS);
    expect(d.status).toMatchObject({
      phase: 'Failed',
      canary: { share: 0.1, waves: [{ clusters: { names: ['canary-east'] }, share: 0.1 }] },
      message: `analysis failed: ${FAIL_DETAILS[0]}; canary held (10% of proxies in canary-east): roll back, abort or retry`,
      timers: [],
    });
    expect(effectTypes(r)).toEqual(['CancelTimers', 'StopAnalysis', 'Notify', 'Audit']); // no SetAssignment: held
    const back = d.send({ type: 'Rollback', actor: alice });
    expect(d.status).toMatchObject({ phase: 'RolledBack', message: 'rolled back to an empty slot by alice' });
    expect(onlyEffect(back, 'SetAssignment')).toMatchObject({ candidate: null, waves: [] });
  });
});

describe('inconclusive analysis', () => {
  it('pauses with the reason at the end of the window and never passes silently', () => {
    const d = new Driver();
    d.start();
    d.measure('Inconclusive', ['12 requests < 50 minimum']);
    const r = d.fireNextTimer();
    expect(d.status).toMatchObject({
      phase: 'Paused',
      pauseReason: 'Inconclusive',
      stepIndex: 0,
      reason: { code: 'AnalysisInconclusive' },
      message: 'inconclusive: no passing measurement in the 2m window (last: 12 requests < 50 minimum)',
      canary: { share: 0.1 },
    });
    expect(effectTypes(r)).toEqual(['StopAnalysis', 'Notify', 'Audit']);
    expect(onlyEffect(r, 'Notify').event).toBe('paused');
  });

  it('a window ending on an inconclusive measurement pauses with that measurement’s reason', () => {
    const d = new Driver();
    d.start();
    d.measure('Pass');
    d.measure('Inconclusive', ['12 requests < 50 minimum']);
    d.fireNextTimer();
    expect(d.status).toMatchObject({ phase: 'Paused', message: 'inconclusive: 12 requests < 50 minimum' });
  });

  it('a window without any measurement pauses too', () => {
    const d = new Driver();
    d.start();
    d.fireNextTimer();
    expect(d.status).toMatchObject({ phase: 'Paused', message: 'inconclusive: no passing measurement in the 2m window' });
  });

  it('Resume re-runs the analysis; Promote accepts the step instead', () => {
    const d = new Driver();
    d.start();
    d.fireNextTimer();
    d.send({ type: 'Resume', actor: alice });
    expect(d.status).toMatchObject({ phase: 'Progressing', stepIndex: 0, analysis: { measurements: 0 } });
    d.passWindow();
    expect(d.status).toMatchObject({ phase: 'AwaitingApproval', stepIndex: 1 });

    const e = new Driver();
    e.start();
    e.fireNextTimer();
    e.send({ type: 'Promote', actor: alice });
    expect(e.status).toMatchObject({ phase: 'AwaitingApproval', stepIndex: 1 });
  });
});

describe('NACKs', () => {
  const tolerant = () => rolloutWith((doc) => (doc.spec.strategy.analysis.maxNacks = 5));

  it('within maxNacks: pause with the NACK message', () => {
    const d = new Driver(tolerant());
    d.start();
    const r = d.send({ type: 'NackReported', revision: 1, count: 3, message: 'Failed to load Wasm module due to a missing import: env.foo' });
    expect(d.status).toMatchObject({
      phase: 'Paused',
      pauseReason: 'Nack',
      reason: { code: 'Nacked' },
      message: 'NACKed by 3 proxies: Failed to load Wasm module due to a missing import: env.foo',
      nacks: { count: 3 },
      canary: { share: 0.1 },
    });
    expect(effectTypes(r)).toEqual(['CancelTimers', 'StopAnalysis', 'Notify', 'Audit']);
  });

  it('a NACK also interrupts an approval wait', () => {
    const d = new Driver(tolerant());
    d.start();
    d.passWindow();
    d.send({ type: 'NackReported', revision: 1, count: 1, message: 'bad config' });
    expect(d.status).toMatchObject({ phase: 'Paused', pauseReason: 'Nack', message: 'NACKed by 1 proxy: bad config' });
    expect(d.status.approval).toBeUndefined();
    d.send({ type: 'Resume', actor: alice }); // back to the gate, with a fresh request
    expect(d.status).toMatchObject({ phase: 'AwaitingApproval', stepIndex: 1 });
  });

  it('more than maxNacks (0 by default): the rollout fails and rolls back', () => {
    const d = new Driver();
    d.start();
    const r = d.send({ type: 'NackReported', revision: 1, count: 1, message: 'on_configure failed' });
    expect(d.status).toMatchObject({
      phase: 'RolledBack',
      reason: { code: 'Nacked' },
      message: 'NACKed by 1 proxy: on_configure failed; rolled back automatically to an empty slot',
    });
    expect(onlyEffect(r, 'SetAssignment')).toMatchObject({ candidate: null });
  });

  it('known NACKs do not pause again after Resume; more NACKing proxies do', () => {
    const d = new Driver(tolerant());
    d.start();
    d.send({ type: 'NackReported', revision: 1, count: 2, message: 'x' });
    d.send({ type: 'Resume', actor: alice });
    expect(d.send({ type: 'NackReported', revision: 1, count: 2, message: 'x' }).ignored).toBe(true);
    expect(d.status.phase).toBe('Progressing');
    d.send({ type: 'NackReported', revision: 1, count: 6, message: 'x' });
    expect(d.status).toMatchObject({ phase: 'RolledBack', message: 'NACKed by 6 proxies: x; rolled back automatically to an empty slot' });
  });
});

describe('approval timeout', () => {
  it('rolls back automatically with "approval timed out"', () => {
    const d = new Driver();
    d.start();
    d.passWindow();
    const { requestedAt, timeoutAt } = d.status.approval!;
    expect(Date.parse(timeoutAt) - Date.parse(requestedAt)).toBe(24 * 3600 * 1000);
    const r = d.fireNextTimer();
    expect(d.now).toBe(Date.parse(timeoutAt));
    expect(d.status).toMatchObject({
      phase: 'RolledBack',
      reason: { code: 'ApprovalTimedOut' },
      message: 'approval timed out: nobody approved within 24h; rolled back automatically to an empty slot',
    });
    expect(effectsOf(r, 'Notify').map((n) => n.event)).toEqual(['failed', 'rolled-back']);
    expect(onlyEffect(r, 'SetAssignment').candidate).toBeNull();
  });

  it('without automatic rollback: Failed with the canary held', () => {
    const d = new Driver(held());
    d.start();
    d.passWindow();
    d.fireNextTimer();
    expect(d.status).toMatchObject({ phase: 'Failed', reason: { code: 'ApprovalTimedOut' }, canary: { share: 0.1 } });
  });

  it('before a canary exists, nothing to roll back: Failed', () => {
    const d = new Driver(rolloutWith((doc) => doc.spec.strategy.steps.shift()));
    d.start();
    expect(d.status.phase).toBe('AwaitingApproval');
    d.fireNextTimer();
    expect(d.status).toMatchObject({ phase: 'Failed', message: 'approval timed out: nobody approved within 24h' });
  });
});

describe('validation', () => {
  it('a failed validation fails the rollout with the exact reason; no proxy saw the candidate', () => {
    const d = new Driver();
    d.send({ type: 'Applied', revision: 1, actor: alice });
    const r = d.send({ type: 'ValidationFailed', revision: 1, reason: 'missing export proxy_on_vm_start' });
    expect(d.status).toMatchObject({ phase: 'Failed', message: 'validation failed: missing export proxy_on_vm_start' });
    expect(effectTypes(r)).toEqual(['Notify', 'Audit']);
  });

  it('a module whose sha256 differs from spec.filter.sha256 fails validation', () => {
    const spec = rolloutWith((doc) => {
      doc.spec.filter.image = 'https://modules.example.com/f.wasm';
      doc.spec.filter.sha256 = SHA_C;
    });
    const d = new Driver(spec);
    const applied = d.send({ type: 'Applied', revision: 1, actor: alice });
    expect(onlyEffect(applied, 'StartValidation').sha256).toBe(SHA_C);
    d.send({ type: 'ValidationSucceeded', revision: 1, sha256: SHA_A });
    expect(d.status).toMatchObject({ phase: 'Failed', message: `validation failed: the module's sha256 is ${SHA_A}, spec.filter.sha256 says ${SHA_C}` });
  });
});
