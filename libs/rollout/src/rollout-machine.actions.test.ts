// Every operator action in every phase, then the rules of each action.
import { describe, expect, it } from 'vitest';
import { allowedActions } from './actions.js';
import { RolloutActionError, type RolloutActionErrorCode } from './errors.js';
import type { ActionEvent, ActionType, Actor } from './events.js';
import { decide } from './rollout-machine.js';
import type { Phase } from './rollout-status.js';
import { Driver, alice, bob, carol, effectTypes, onlyEffect, rolloutWith } from './testing/fixtures.js';

/** A driver brought into `phase` by real events. */
function inPhase(phase: Phase): Driver {
  const held = rolloutWith((d) => (d.spec.strategy.rollback.automatic = false));
  const d = new Driver(phase === 'Failed' ? held : undefined);
  if (phase === 'Pending') return d;
  if (phase === 'Validating') {
    d.send({ type: 'Applied', revision: 1, actor: alice });
    return d;
  }
  d.start();
  switch (phase) {
    case 'Paused':
      d.send({ type: 'Pause', actor: alice });
      break;
    case 'AwaitingApproval':
      d.passWindow();
      break;
    case 'Succeeded':
      d.send({ type: 'PromoteFull', actor: bob });
      break;
    case 'Failed':
    case 'RolledBack':
      d.measure('Fail');
      d.measure('Fail');
      break;
    case 'Aborted':
      d.send({ type: 'Abort', actor: alice });
      break;
  }
  expect(d.status.phase).toBe(phase);
  return d;
}

const action = (type: ActionType, actor: Actor = bob): ActionEvent => ({ type, actor }) as ActionEvent;

type Expected = Phase | RolloutActionErrorCode;
const X: Expected = 'invalid-transition';
//                          Approve             Reject        Pause     Resume         Promote             PromoteFull  Abort      Retry          Rollback
const TABLE: Record<Phase, Expected[]> = {
  Pending:          [X,                  X,            X,        X,             X,                  X,           'Aborted', X,             X],
  Validating:       [X,                  X,            X,        X,             X,                  X,           'Aborted', X,             X],
  Progressing:      [X,                  X,            'Paused', X,             'AwaitingApproval', 'Succeeded', 'Aborted', X,             'RolledBack'],
  Paused:           [X,                  X,            X,        'Progressing', 'AwaitingApproval', 'Succeeded', 'Aborted', X,             'RolledBack'],
  AwaitingApproval: ['Progressing',      'RolledBack', X,        X,             X,                  'Succeeded', 'Aborted', X,             'RolledBack'],
  Succeeded:        [X,                  X,            X,        X,             X,                  X,           X,         X,             'RolledBack'],
  Failed:           [X,                  X,            X,        X,             X,                  X,           'Aborted', 'Progressing', 'RolledBack'],
  RolledBack:       [X,                  X,            X,        X,             X,                  X,           X,         'Progressing', X],
  Aborted:          [X,                  X,            X,        X,             X,                  X,           X,         'Progressing', X],
};
const ACTIONS: ActionType[] = ['Approve', 'Reject', 'Pause', 'Resume', 'Promote', 'PromoteFull', 'Abort', 'Retry', 'Rollback'];

const cases = Object.entries(TABLE).flatMap(([phase, row]) => ACTIONS.map((type, i) => [phase as Phase, type, row[i]!] as const));

describe('every action in every phase', () => {
  it.each(cases)('%s + %s → %s', (phase, type, expected) => {
    const d = inPhase(phase);
    const before = structuredClone(d.status);
    const run = () => decide(d.spec, d.status, action(type), new Date(d.now + 1000));
    if (expected.includes('-')) {
      expect(run).toThrow(RolloutActionError);
      try {
        run();
      } catch (error) {
        expect((error as RolloutActionError).code).toBe(expected);
        expect((error as RolloutActionError).message).toContain(`${type} refused (${expected}) in phase ${phase}`);
      }
    } else {
      const r = run();
      expect(r.status.phase).toBe(expected);
      expect(onlyEffect(r, 'Audit')).toMatchObject({ action: type, actor: bob, before: { phase }, after: { phase: expected } });
    }
    expect(d.status).toEqual(before); // decide never mutates its input
  });

  it('allowedActions agrees with the table for the phase check', () => {
    expect(allowedActions({ phase: 'AwaitingApproval' })).toEqual(['Approve', 'Reject', 'PromoteFull', 'Abort', 'Rollback']);
    expect(allowedActions({ phase: 'Succeeded' })).toEqual(['Rollback']);
  });
});

describe('approval gates', () => {
  it('refuse someone without the gate role (forbidden)', () => {
    const d = inPhase('AwaitingApproval');
    expect(() => d.send({ type: 'Approve', actor: carol })).toThrow(expect.objectContaining({ code: 'forbidden' }));
    expect(() => d.send({ type: 'Reject', actor: carol })).toThrow(expect.objectContaining({ code: 'forbidden' }));
    expect(d.status.phase).toBe('AwaitingApproval');
  });

  it('refuse the author of the revision, even with the role (four-eyes)', () => {
    const d = inPhase('AwaitingApproval');
    const author = { id: 'alice', roles: ['approver'] };
    expect(() => d.send({ type: 'Approve', actor: author })).toThrow(expect.objectContaining({ code: 'four-eyes' }));
    expect(() => d.send({ type: 'Approve', actor: author })).toThrow(/alice applied revision 1 and may not approve it/);
  });

  it('let the author approve when allowSelfApproval is set', () => {
    const d = new Driver(undefined, { allowSelfApproval: true });
    d.start();
    d.passWindow();
    d.send({ type: 'Approve', actor: { id: 'alice', roles: ['approver'] } });
    expect(d.status).toMatchObject({ phase: 'Progressing', stepIndex: 2, approvals: [{ by: 'alice' }] });
  });

  it('let the author reject (four-eyes guards approvals only)', () => {
    const d = inPhase('AwaitingApproval');
    d.send({ type: 'Reject', actor: { id: 'alice', roles: ['approver'] }, comment: 'wrong config' });
    expect(d.status).toMatchObject({ phase: 'RolledBack', message: 'rejected by alice: wrong config; rolled back automatically to an empty slot' });
  });

  it('require a comment when the gate says so', () => {
    const spec = rolloutWith((doc) => (doc.spec.strategy.steps[1].approval.requireComment = true));
    const d = new Driver(spec);
    d.start();
    d.passWindow();
    expect(() => d.send({ type: 'Approve', actor: bob })).toThrow(expect.objectContaining({ code: 'comment-required' }));
    expect(() => d.send({ type: 'Approve', actor: bob, comment: '   ' })).toThrow(expect.objectContaining({ code: 'comment-required' }));
    expect(() => d.send({ type: 'Reject', actor: bob })).toThrow(expect.objectContaining({ code: 'comment-required' }));
    d.send({ type: 'Approve', actor: bob, comment: ' checked the canary ' });
    expect(d.status.approvals).toEqual([expect.objectContaining({ by: 'bob', comment: 'checked the canary' })]);
  });

  it('cannot be skipped by Promote', () => {
    const d = inPhase('AwaitingApproval');
    expect(() => d.send({ type: 'Promote', actor: bob })).toThrow(/an approval gate cannot be skipped by Promote/);
  });

  it('stop PromoteFull by someone who could not pass them', () => {
    const d = inPhase('Progressing');
    expect(() => d.send({ type: 'PromoteFull', actor: alice })).toThrow(expect.objectContaining({ code: 'forbidden' }));
    expect(() => d.send({ type: 'PromoteFull', actor: { id: 'alice', roles: ['approver'] } })).toThrow(expect.objectContaining({ code: 'four-eyes' }));
  });

  it('are recorded as approved when an approver promotes fully', () => {
    const d = inPhase('Progressing');
    const r = d.send({ type: 'PromoteFull', actor: bob, comment: 'hotfix' });
    expect(d.status.approvals).toEqual([{ stepIndex: 1, by: 'bob', at: new Date(d.now).toISOString(), comment: 'hotfix', via: 'PromoteFull' }]);
    expect(effectTypes(r)).toEqual(['CancelTimers', 'StopAnalysis', 'SetAssignment', 'Notify', 'Audit']);
    expect(onlyEffect(r, 'SetAssignment')).toMatchObject({ candidate: null, waves: [], stable: { revision: 1 } });
  });

  it('include the gate being waited on when PromoteFull comes during the wait', () => {
    const d = inPhase('AwaitingApproval');
    expect(() => d.send({ type: 'PromoteFull', actor: alice })).toThrow(expect.objectContaining({ code: 'forbidden' }));
    d.send({ type: 'PromoteFull', actor: bob });
    expect(d.status.approvals).toEqual([expect.objectContaining({ stepIndex: 1, by: 'bob', via: 'PromoteFull' })]);
  });

  it('need no approver for PromoteFull once every gate is behind', () => {
    const d = inPhase('AwaitingApproval');
    d.send({ type: 'Approve', actor: bob });
    d.send({ type: 'PromoteFull', actor: alice });
    expect(d.status.phase).toBe('Succeeded');
  });
});

describe('pause, resume and promote', () => {
  it('Pause holds the canary, stops the window and its timer', () => {
    const d = inPhase('Progressing');
    const { id: windowId } = d.status.analysis!;
    const timerId = d.status.timers[0]!.id;
    const r = d.send({ type: 'Pause', actor: alice, comment: 'lunch' });
    expect(d.status).toMatchObject({ phase: 'Paused', pauseReason: 'Manual', message: 'paused by alice', canary: { share: 0.1 } });
    expect(effectTypes(r)).toEqual(['CancelTimers', 'StopAnalysis', 'Notify', 'Audit']);
    expect(onlyEffect(r, 'CancelTimers').timerIds).toEqual([timerId]);
    expect(onlyEffect(r, 'StopAnalysis').windowId).toBe(windowId);
    expect(onlyEffect(r, 'Audit').comment).toBe('lunch');
  });

  it('Resume after a manual pause re-runs the step with a fresh window (the paused time does not count)', () => {
    const d = inPhase('Progressing');
    d.measure('Pass');
    const old = d.status.analysis!.id;
    d.send({ type: 'Pause', actor: alice });
    d.advance(3600);
    const r = d.send({ type: 'Resume', actor: alice });
    expect(d.status).toMatchObject({ phase: 'Progressing', stepIndex: 0, analysis: { passes: 0, measurements: 0 } });
    expect(d.status.analysis!.id).not.toBe(old);
    expect(d.status.analysis!.windowEndsAt).toBe(new Date(d.now + 120_000).toISOString());
    expect(effectTypes(r)).toEqual(['StartAnalysis', 'ScheduleTimer', 'Audit']); // same canary: no SetAssignment
  });

  it('Promote completes the current step early', () => {
    const d = inPhase('Progressing');
    d.send({ type: 'Promote', actor: alice });
    expect(d.status).toMatchObject({ phase: 'AwaitingApproval', stepIndex: 1 });
  });

  it('a pause step waits for its duration, or for Resume/Promote', () => {
    const spec = rolloutWith((doc) => {
      doc.spec.strategy.steps = [{ proxies: '10%' }, { pause: { duration: '10m' } }, { pause: {} }, { proxies: '100%' }];
    });
    const d = new Driver(spec);
    const started = d.start();
    expect(d.status).toMatchObject({ phase: 'Paused', pauseReason: 'PauseStep', stepIndex: 1, message: 'step 2/4: pause for 10m' });
    expect(onlyEffect(started, 'ScheduleTimer')).toMatchObject({ kind: 'pause-end', at: new Date(d.now + 600_000).toISOString() });
    d.fireNextTimer();
    expect(d.status).toMatchObject({ phase: 'Paused', stepIndex: 2, message: 'step 3/4: pause until resumed', timers: [] });
    d.send({ type: 'Resume', actor: alice });
    expect(d.status.phase).toBe('Succeeded');
  });
});

describe('abort and retry', () => {
  it('Abort sends every proxy back to the stable version at once', () => {
    const d = inPhase('AwaitingApproval');
    const r = d.send({ type: 'Abort', actor: alice });
    expect(d.status).toMatchObject({ phase: 'Aborted', message: 'aborted by alice; proxies back on an empty slot', canary: { waves: [] } });
    expect(effectTypes(r)).toEqual(['CancelTimers', 'SetAssignment', 'Notify', 'Audit']);
    expect(onlyEffect(r, 'SetAssignment')).toMatchObject({ candidate: null, waves: [], stable: null });
    expect(d.status.history.at(-1)).toMatchObject({ outcome: 'Aborted', artifact: { revision: 1 } });
  });

  it('Retry starts the revision again from step 1 without re-validating', () => {
    const d = inPhase('Aborted');
    const r = d.send({ type: 'Retry', actor: alice });
    expect(d.status).toMatchObject({ phase: 'Progressing', stepIndex: 0, approvals: [], canary: { share: 0.1 } });
    expect(effectTypes(r)).toEqual(['SetAssignment', 'StartAnalysis', 'ScheduleTimer', 'Notify', 'Audit']);
  });

  it('Retry after a failed validation validates again', () => {
    const d = new Driver();
    d.send({ type: 'Applied', revision: 1, actor: alice });
    d.send({ type: 'ValidationFailed', revision: 1, reason: 'on_configure returned false' });
    const r = d.send({ type: 'Retry', actor: alice });
    expect(d.status.phase).toBe('Validating');
    expect(effectTypes(r)).toEqual(['StartValidation', 'Audit']);
  });
});
