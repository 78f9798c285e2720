// Rollbacks (fast, to the stable version or any earlier revision) and revisions superseding each other.
import { describe, expect, it } from 'vitest';
import { RolloutActionError } from './errors.js';
import { SHA_A, SHA_B, SHA_C, alice, bob, effectTypes, effectsOf, onlyEffect, secondRevision, withImage } from './testing/fixtures.js';

describe('manual rollback', () => {
  it('is fast: one SetAssignment to the stable version, no step replayed, whatever step it is at', () => {
    const d = secondRevision();
    d.passWindow();
    d.send({ type: 'Approve', actor: bob });
    expect(d.status).toMatchObject({ stepIndex: 2, canary: { share: 0.5 } });
    const r = d.send({ type: 'Rollback', actor: alice });
    expect(effectTypes(r)).toEqual(['CancelTimers', 'StopAnalysis', 'SetAssignment', 'Notify', 'Audit']);
    expect(effectsOf(r, 'SetAssignment')).toEqual([expect.objectContaining({ stable: expect.objectContaining({ revision: 1 }), candidate: null, waves: [] })]);
    expect(effectsOf(r, 'StartAnalysis')).toEqual([]);
    expect(effectsOf(r, 'ScheduleTimer')).toEqual([]);
    expect(d.status).toMatchObject({ phase: 'RolledBack', message: 'rolled back to revision 1 by alice', rolledBackTo: 1 });
  });

  it('after success, goes back to the version before the revision', () => {
    const d = secondRevision();
    d.send({ type: 'PromoteFull', actor: bob });
    expect(d.status).toMatchObject({ phase: 'Succeeded', stable: { revision: 2 } });
    const r = d.send({ type: 'Rollback', actor: alice });
    expect(onlyEffect(r, 'SetAssignment')).toMatchObject({ stable: { revision: 1, sha256: SHA_A }, candidate: null });
    expect(d.status).toMatchObject({ phase: 'RolledBack', rolledBackTo: 1, message: 'rolled back to revision 1 by alice' });
    expect(() => d.send({ type: 'Rollback', actor: alice })).toThrow(/already runs revision 1/);
  });

  it('to an earlier revision: records the target; the adapter supplies its spec', () => {
    const d = secondRevision();
    d.send({ type: 'PromoteFull', actor: bob });
    d.spec = withImage(d.spec, 'v4');
    d.send({ type: 'Applied', revision: 3, actor: alice });
    d.send({ type: 'ValidationSucceeded', revision: 3, sha256: SHA_C });
    expect(d.status.stable).toMatchObject({ revision: 2 });
    const r = d.send({ type: 'Rollback', actor: alice, toRevision: 1 });
    expect(d.status).toMatchObject({ phase: 'RolledBack', rolledBackTo: 1, stable: { revision: 1, sha256: SHA_A }, message: 'rolled back to revision 1 by alice' });
    expect(onlyEffect(r, 'SetAssignment')).toMatchObject({ stable: { revision: 1, image: 'oci://127.0.0.1:5000/filters/add-header:v2' }, candidate: null });
    // From there, a further explicit rollback (or forward to revision 2) works the same way.
    d.send({ type: 'Rollback', actor: alice, toRevision: 2 });
    expect(d.status).toMatchObject({ rolledBackTo: 2, stable: { revision: 2, sha256: SHA_B } });
  });

  it('refuses unknown or later revisions', () => {
    const d = secondRevision();
    const refused = (toRevision: number) => {
      try {
        d.send({ type: 'Rollback', actor: alice, toRevision });
      } catch (error) {
        return error as RolloutActionError;
      }
      throw new Error('expected a refusal');
    };
    expect(refused(7)).toMatchObject({ code: 'unknown-revision' });
    expect(refused(2).message).toMatch(/revision 2 is not earlier than revision 2/);
    expect(refused(0).message).toMatch(/no validated module of revision 0 is known; known: 1/);
  });
});

describe('a new revision while one is in flight', () => {
  it('supersedes it: candidate withdrawn, the new one validated before any proxy sees it', () => {
    const d = secondRevision();
    d.spec = withImage(d.spec, 'v4');
    const r = d.send({ type: 'Applied', revision: 3, actor: bob });
    expect(d.status).toMatchObject({ phase: 'Validating', revision: 3, createdBy: 'bob', canary: { waves: [] }, timers: [] });
    expect(effectTypes(r)).toEqual(['CancelTimers', 'StopAnalysis', 'SetAssignment', 'StartValidation', 'Audit']);
    expect(onlyEffect(r, 'SetAssignment')).toMatchObject({ stable: { revision: 1 }, candidate: null, seed: 'bookinfo/add-header#3' });
    expect(r.reason.message).toBe('superseded by revision 3');
    expect(d.status.history.at(-1)).toMatchObject({ outcome: 'Superseded', artifact: { revision: 2, sha256: SHA_B } });
  });
});
