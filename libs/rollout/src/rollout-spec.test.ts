import { describe, expect, it } from 'vitest';
import { RolloutSpecError } from './errors.js';
import { parseRolloutSpec, parseRolloutYaml } from './parse-rollout.js';
import { DESIGN_YAML, rolloutInput } from './testing/fixtures.js';

function problemsOf(input: unknown): { field: string; reason: string }[] {
  try {
    parseRolloutSpec(input);
  } catch (error) {
    if (error instanceof RolloutSpecError) return error.problems;
    throw error;
  }
  throw new Error('expected a RolloutSpecError');
}

const fieldsOf = (input: unknown) => problemsOf(input).map((p) => p.field);

function tweak(change: (doc: Record<string, any>) => void): Record<string, any> {
  const doc = rolloutInput();
  change(doc);
  return doc;
}

describe('parseRolloutYaml on the DESIGN.md example', () => {
  const rollout = parseRolloutYaml(DESIGN_YAML);

  it('keeps what was written and normalizes durations and percentages', () => {
    expect(rollout.metadata).toEqual({ name: 'add-header', namespace: 'bookinfo' });
    expect(rollout.spec.filter).toEqual({
      image: 'oci://127.0.0.1:5000/filters/add-header:v2',
      rootId: 'add_header',
      config: { header: 'x-powered-by', value: 'wasmfleet' },
      failurePolicy: 'FAIL_OPEN',
      slot: 'wasmfleet.bookinfo.add-header',
    });
    expect(rollout.spec.target).toEqual({
      clusters: { matchLabels: { env: 'prod' } },
      workloads: { namespace: 'bookinfo', matchLabels: { app: 'ratings' } },
    });
    expect(rollout.spec.strategy.steps).toEqual([
      { kind: 'wave', clusters: { names: ['canary-east'] }, proxies: 10, analysis: { duration: 120 } },
      { kind: 'approval', approval: { roles: ['approver'], timeout: 86_400, requireComment: false } },
      { kind: 'wave', proxies: 50, analysis: { duration: 300 } },
      { kind: 'wave', proxies: 100 },
    ]);
  });

  it('fills the analysis defaults it does not give', () => {
    expect(rollout.spec.strategy.analysis).toEqual({
      maxErrorRate: 1,
      maxLatencyIncrease: 20,
      maxNacks: 0,
      minRequests: 50,
      failureLimit: 2,
      consecutiveFailureLimit: 2,
      interval: 30,
    });
    expect(rollout.spec.strategy.rollback).toEqual({ automatic: true });
  });

  it('parses its own output to the same document (round trip for REST and the dashboard)', () => {
    expect(parseRolloutSpec(JSON.parse(JSON.stringify(rollout)))).toEqual(rollout);
  });
});

describe('valid variants', () => {
  it.each([
    ['an OCI digest', 'oci://registry.example.com/team/f@sha256:' + 'a'.repeat(64)],
    ['an OCI tag and digest', 'oci://localhost:5000/f:v1@sha256:' + 'b'.repeat(64)],
    ['an OCI nested repository', 'oci://ghcr.io/org/team/filter:1.2.3'],
  ])('accepts %s', (_, image) => {
    expect(parseRolloutSpec(tweak((d) => (d.spec.filter.image = image))).spec.filter.image).toBe(image);
  });

  it('accepts an https image with its sha256', () => {
    const doc = parseRolloutSpec(
      tweak((d) => {
        d.spec.filter.image = 'https://modules.example.com/add-header.wasm';
        d.spec.filter.sha256 = 'c'.repeat(64);
      }),
    );
    expect(doc.spec.filter.sha256).toBe('c'.repeat(64));
  });

  it('accepts every step form and fills step defaults', () => {
    const doc = parseRolloutSpec(
      tweak((d) => {
        d.spec.strategy.steps = [
          { clusters: { matchLabels: { region: 'eu' } }, proxies: 5 },
          { clusters: { names: ['a', 'b'] }, proxies: '0.5%' },
          { pause: {} },
          { pause: { duration: '1h30m' } },
          { approval: { roles: ['sre', 'lead'], requireComment: true } },
          { analysis: { duration: 90 } },
          { proxies: '100%' },
        ];
      }),
    );
    expect(doc.spec.strategy.steps).toEqual([
      { kind: 'wave', clusters: { matchLabels: { region: 'eu' } }, proxies: 5 },
      { kind: 'wave', clusters: { names: ['a', 'b'] }, proxies: 0.5 },
      { kind: 'pause', pause: {} },
      { kind: 'pause', pause: { duration: 5400 } },
      { kind: 'approval', approval: { roles: ['sre', 'lead'], timeout: 86_400, requireComment: true } },
      { kind: 'analysis', analysis: { duration: 90 } },
      { kind: 'wave', proxies: 100 },
    ]);
  });

  it('takes an explicit slot, vmConfig, defaults failurePolicy and workloads', () => {
    const doc = parseRolloutSpec(
      tweak((d) => {
        d.spec.filter.slot = 'wasmfleet.custom.slot';
        d.spec.filter.vmConfig = { cache: 10 };
        delete d.spec.filter.failurePolicy;
        delete d.spec.target.workloads;
        d.spec.target.clusters = { names: ['east'] };
      }),
    );
    expect(doc.spec.filter.slot).toBe('wasmfleet.custom.slot');
    expect(doc.spec.filter.vmConfig).toEqual({ cache: 10 });
    expect(doc.spec.filter.failurePolicy).toBe('FAIL_CLOSED');
    expect(doc.spec.target).toEqual({ clusters: { names: ['east'] }, workloads: {} });
  });

  it('takes analysis thresholds as numbers and rollback.automatic false', () => {
    const doc = parseRolloutSpec(
      tweak((d) => {
        d.spec.strategy.analysis = { maxErrorRate: 0.5, minRequests: 200, consecutiveFailureLimit: 0, interval: '1m' };
        d.spec.strategy.rollback = { automatic: false };
      }),
    );
    expect(doc.spec.strategy.analysis).toMatchObject({ maxErrorRate: 0.5, minRequests: 200, consecutiveFailureLimit: 0, interval: 60 });
    expect(doc.spec.strategy.rollback.automatic).toBe(false);
  });
});

describe('invalid inputs name the field', () => {
  const cases: [string, (d: Record<string, any>) => void, string][] = [
    ['apiVersion', (d) => (d.apiVersion = 'v1'), 'apiVersion'],
    ['kind', (d) => (d.kind = 'Rollout'), 'kind'],
    ['name not a DNS label', (d) => (d.metadata.name = 'Add_Header'), 'metadata.name'],
    ['missing namespace', (d) => delete d.metadata.namespace, 'metadata.namespace'],
    ['image without tag or digest', (d) => (d.spec.filter.image = 'oci://127.0.0.1:5000/filters/add-header'), 'spec.filter.image'],
    ['image with a short digest', (d) => (d.spec.filter.image = 'oci://r.io/f@sha256:abc'), 'spec.filter.image'],
    ['image with an unknown scheme', (d) => (d.spec.filter.image = 'ftp://r.io/f.wasm'), 'spec.filter.image'],
    ['image with credentials', (d) => ((d.spec.filter.image = 'https://u:p@r.io/f.wasm'), (d.spec.filter.sha256 = 'a'.repeat(64))), 'spec.filter.image'],
    ['http image without sha256', (d) => (d.spec.filter.image = 'https://r.io/f.wasm'), 'spec.filter.sha256'],
    ['sha256 in capitals', (d) => (d.spec.filter.sha256 = 'A'.repeat(64)), 'spec.filter.sha256'],
    ['missing rootId', (d) => delete d.spec.filter.rootId, 'spec.filter.rootId'],
    ['missing config', (d) => delete d.spec.filter.config, 'spec.filter.config'],
    ['config over 64 KiB', (d) => (d.spec.filter.config = { blob: 'x'.repeat(70_000) }), 'spec.filter.config'],
    ['unknown failurePolicy', (d) => (d.spec.filter.failurePolicy = 'FAIL_SOMETIMES'), 'spec.filter.failurePolicy'],
    ['bad slot', (d) => (d.spec.filter.slot = 'has space'), 'spec.filter.slot'],
    ['unknown filter key', (d) => (d.spec.filter.imagePullPolicy = 'Always'), 'spec.filter'],
    ['clusters with both names and labels', (d) => (d.spec.target.clusters = { names: ['a'], matchLabels: {} }), 'spec.target.clusters'],
    ['clusters with neither', (d) => (d.spec.target.clusters = {}), 'spec.target.clusters'],
    ['bad label value', (d) => (d.spec.target.workloads.matchLabels = { app: 'has space' }), 'spec.target.workloads.matchLabels.app'],
    ['no steps', (d) => (d.spec.strategy.steps = []), 'spec.strategy.steps'],
    ['a step of no known kind', (d) => (d.spec.strategy.steps[1] = { wait: '1m' }), 'spec.strategy.steps.1'],
    ['two kinds in one step', (d) => (d.spec.strategy.steps[1] = { pause: {}, approval: { roles: ['a'] } }), 'spec.strategy.steps.1'],
    ['a wave without proxies', (d) => (d.spec.strategy.steps[0] = { clusters: ['a'] }), 'spec.strategy.steps.0.proxies'],
    ['proxies 0%', (d) => (d.spec.strategy.steps[0].proxies = '0%'), 'spec.strategy.steps.0.proxies'],
    ['proxies 150%', (d) => (d.spec.strategy.steps[0].proxies = 150), 'spec.strategy.steps.0.proxies'],
    ['proxies without %', (d) => (d.spec.strategy.steps[0].proxies = 'ten'), 'spec.strategy.steps.0.proxies'],
    ['an empty cluster list', (d) => (d.spec.strategy.steps[0].clusters = []), 'spec.strategy.steps.0.clusters'],
    ['a bad analysis duration', (d) => (d.spec.strategy.steps[0].analysis.duration = '2 minutes'), 'spec.strategy.steps.0.analysis.duration'],
    ['a zero analysis duration', (d) => (d.spec.strategy.steps[0].analysis.duration = '0s'), 'spec.strategy.steps.0.analysis.duration'],
    ['a negative duration', (d) => (d.spec.strategy.steps[0].analysis.duration = -5), 'spec.strategy.steps.0.analysis.duration'],
    ['a 40-day pause', (d) => (d.spec.strategy.steps[1] = { pause: { duration: '40d' } }), 'spec.strategy.steps.1.pause.duration'],
    ['an approval without roles', (d) => (d.spec.strategy.steps[1].approval.roles = []), 'spec.strategy.steps.1.approval.roles'],
    ['an approval timeout of 10s', (d) => (d.spec.strategy.steps[1].approval.timeout = '10s'), 'spec.strategy.steps.1.approval.timeout'],
    ['unknown approval key', (d) => (d.spec.strategy.steps[1].approval.quorum = 2), 'spec.strategy.steps.1.approval'],
    ['maxErrorRate over 100%', (d) => (d.spec.strategy.analysis.maxErrorRate = '101%'), 'spec.strategy.analysis.maxErrorRate'],
    ['negative maxNacks', (d) => (d.spec.strategy.analysis.maxNacks = -1), 'spec.strategy.analysis.maxNacks'],
    ['fractional minRequests', (d) => (d.spec.strategy.analysis.minRequests = 2.5), 'spec.strategy.analysis.minRequests'],
    ['rollback.automatic as text', (d) => (d.spec.strategy.rollback.automatic = 'yes'), 'spec.strategy.rollback.automatic'],
  ];

  it.each(cases)('%s', (_, change, field) => {
    expect(fieldsOf(tweak(change))).toContain(field);
  });

  it('collects every problem at once, each with a reason', () => {
    const problems = problemsOf(
      tweak((d) => {
        d.metadata.name = 'BAD';
        d.spec.strategy.steps[0].proxies = '0%';
      }),
    );
    expect(problems.map((p) => p.field)).toEqual(['metadata.name', 'spec.strategy.steps.0.proxies']);
    expect(problems[1]!.reason).toBe('must be above 0% and at most 100%, got 0%');
  });

  it('explains the step forms when a step has none', () => {
    const [problem] = problemsOf(tweak((d) => (d.spec.strategy.steps[1] = { wait: '1m' })));
    expect(problem!.reason).toMatch(/^a step is one of: a wave/);
  });

  it('rejects a document that is not an object', () => {
    expect(problemsOf('hello')).toHaveLength(1);
  });
});

describe('parseRolloutYaml errors', () => {
  it('reports YAML syntax errors', () => {
    expect(() => parseRolloutYaml('spec: { filter: [')).toThrow(/YAML:/);
  });

  it('refuses several documents in one text', () => {
    expect(() => parseRolloutYaml(`${DESIGN_YAML}\n---\n${DESIGN_YAML}`)).toThrow(RolloutSpecError);
  });

  it('refuses duplicate keys', () => {
    expect(() => parseRolloutYaml('kind: WasmRollout\nkind: WasmRollout\n')).toThrow(/YAML:.*[Uu]nique|YAML:.*duplicate/i);
  });

  it('names schema fields for YAML input too', () => {
    try {
      parseRolloutYaml(DESIGN_YAML.replace('proxies: 50%', 'proxies: fifty'));
      expect.unreachable();
    } catch (error) {
      expect((error as RolloutSpecError).problems.map((p) => p.field)).toEqual(['spec.strategy.steps.2.proxies']);
    }
  });
});
