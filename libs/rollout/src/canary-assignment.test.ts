import { describe, expect, it } from 'vitest';
import {
  assignmentForNode,
  assignmentOf,
  candidateRank,
  isCandidate,
  nodeGetsCandidate,
  selectClusters,
  shareForCluster,
  type ProxyNode,
} from './canary-assignment.js';
import type { Assignment } from './effects.js';
import { unitHash } from './hash.js';
import { Driver, SHA_A } from './testing/fixtures.js';

const ids = Array.from({ length: 10_000 }, (_, i) => `sidecar~10.0.${Math.floor(i / 256)}.${i % 256}~ratings-v1-${i}.bookinfo~bookinfo.svc.cluster.local`);
const SEED = 'bookinfo/add-header#1';

describe('unitHash', () => {
  it('is pinned: agents in other languages must reproduce these values', () => {
    // Computed independently (Python big integers): fmix64(fnv1a64(utf8(text))) >> 11, divided by 2^53.
    expect(unitHash('')).toBe(0.93676944839044);
    expect(unitHash('a')).toBe(0.5102945176565711);
    expect(unitHash('bookinfo/add-header#1/proxy-1')).toBe(0.9524243069772169);
    expect(unitHash('ünïcode/☃')).toBe(0.698062865701552);
  });

  it('stays in [0, 1)', () => {
    for (const id of ids.slice(0, 2000)) {
      const h = unitHash(id);
      expect(h).toBeGreaterThanOrEqual(0);
      expect(h).toBeLessThan(1);
    }
  });
});

describe('isCandidate', () => {
  it('is deterministic', () => {
    expect(ids.slice(0, 500).map((id) => isCandidate(id, SEED, 0.3))).toEqual(ids.slice(0, 500).map((id) => isCandidate(id, SEED, 0.3)));
  });

  it('is monotone: every candidate at a share stays one at every larger share', () => {
    const shares = [0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.99, 1];
    let previous = new Set<string>();
    for (const share of shares) {
      const current = new Set(ids.filter((id) => isCandidate(id, SEED, share)));
      for (const id of previous) expect(current.has(id)).toBe(true);
      expect(current.size).toBeGreaterThanOrEqual(previous.size);
      previous = current;
    }
  });

  it.each([0.01, 0.1, 0.5, 0.9])('picks about %d of 10,000 proxies', (share) => {
    const picked = ids.filter((id) => isCandidate(id, SEED, share)).length / ids.length;
    // 4 standard deviations of a binomial over 10,000 draws.
    expect(Math.abs(picked - share)).toBeLessThan(4 * Math.sqrt((share * (1 - share)) / ids.length));
  });

  it('picks nobody at 0 and everybody at 1', () => {
    expect(ids.some((id) => isCandidate(id, SEED, 0))).toBe(false);
    expect(ids.every((id) => isCandidate(id, SEED, 1))).toBe(true);
  });

  it('draws a different sample for another seed (another revision)', () => {
    const a = ids.filter((id) => isCandidate(id, SEED, 0.1));
    const b = new Set(ids.filter((id) => isCandidate(id, 'bookinfo/add-header#2', 0.1)));
    const overlap = a.filter((id) => b.has(id)).length / a.length;
    expect(overlap).toBeLessThan(0.2); // independent samples overlap by about 10%
  });

  it('ranks by the seeded hash', () => {
    expect(candidateRank('p', SEED)).toBe(unitHash(`${SEED}/p`));
  });
});

const clusters = [
  { name: 'canary-east', labels: { env: 'prod', region: 'us' } },
  { name: 'prod-west', labels: { env: 'prod', region: 'us' } },
  { name: 'prod-eu', labels: { env: 'prod', region: 'eu' } },
  { name: 'staging', labels: { env: 'staging', region: 'us' } },
];

describe('selectClusters', () => {
  it('intersects the wave with the target', () => {
    const target = { matchLabels: { env: 'prod' } };
    expect(selectClusters({}, clusters, target)).toEqual(['canary-east', 'prod-west', 'prod-eu']);
    expect(selectClusters({ clusters: { names: ['canary-east', 'staging'] } }, clusters, target)).toEqual(['canary-east']);
    expect(selectClusters({ clusters: { matchLabels: { region: 'us' } } }, clusters, target)).toEqual(['canary-east', 'prod-west']);
    expect(selectClusters({ clusters: { matchLabels: { region: 'us' } } }, clusters)).toEqual(['canary-east', 'prod-west', 'staging']);
  });
});

const assignment: Assignment = {
  slot: 'wasmfleet.bookinfo.add-header',
  rolloutId: 'bookinfo/add-header',
  target: { clusters: { matchLabels: { env: 'prod' } }, workloads: { namespace: 'bookinfo', matchLabels: { app: 'ratings' } } },
  stable: { revision: 1, image: 'oci://r/f:v1', sha256: 'a'.repeat(64) },
  candidate: { revision: 2, image: 'oci://r/f:v2', sha256: 'b'.repeat(64) },
  waves: [
    { clusters: { names: ['canary-east'] }, share: 1 },
    { share: 0.5 },
  ],
  seed: 'bookinfo/add-header#2',
};

describe('shareForCluster', () => {
  it('takes the largest wave covering the cluster, and 0 outside the target', () => {
    expect(shareForCluster(assignment, clusters[0]!)).toBe(1);
    expect(shareForCluster(assignment, clusters[1]!)).toBe(0.5);
    expect(shareForCluster(assignment, clusters[3]!)).toBe(0);
    expect(shareForCluster({ ...assignment, waves: [{ clusters: { names: ['canary-east'] }, share: 0.1 }] }, clusters[1]!)).toBe(0);
  });
});

describe('assignmentForNode', () => {
  const node = (id: string, cluster = clusters[0]!, workload = { namespace: 'bookinfo', labels: { app: 'ratings' } }): ProxyNode => ({
    id,
    cluster,
    workload,
  });

  it('gives the candidate in a 100% cluster', () => {
    expect(assignmentForNode(node('p1'), assignment)).toEqual({ role: 'candidate', artifact: assignment.candidate });
  });

  it('leaves other workloads and clusters untargeted', () => {
    expect(assignmentForNode(node('p1', clusters[3]), assignment).role).toBe('untargeted');
    expect(assignmentForNode(node('p1', clusters[0], { namespace: 'other', labels: { app: 'ratings' } }), assignment).role).toBe('untargeted');
    expect(assignmentForNode(node('p1', clusters[0], { namespace: 'bookinfo', labels: { app: 'reviews' } }), assignment).role).toBe('untargeted');
  });

  it('splits a 50% cluster about evenly between candidate and stable', () => {
    const roles = ids.slice(0, 2000).map((id) => assignmentForNode(node(id, clusters[1]), assignment).role);
    const candidates = roles.filter((r) => r === 'candidate').length;
    expect(candidates).toBeGreaterThan(900);
    expect(candidates).toBeLessThan(1100);
    expect(roles.filter((r) => r === 'stable').length).toBe(2000 - candidates);
  });

  it('gives the stable version (or nothing) when no candidate is served', () => {
    expect(assignmentForNode(node('p1'), { ...assignment, candidate: null })).toEqual({ role: 'stable', artifact: assignment.stable });
    expect(assignmentForNode(node('p1'), { ...assignment, candidate: null, stable: null })).toEqual({ role: 'stable', artifact: null });
  });
});

describe('assignmentOf and nodeGetsCandidate follow the status', () => {
  it('serves the candidate only while a wave is in force', () => {
    const d = new Driver();
    const proxy: ProxyNode = { id: 'p1', cluster: clusters[0]!, workload: { namespace: 'bookinfo', labels: { app: 'ratings' } } };
    d.send({ type: 'Applied', revision: 1, actor: { id: 'alice', roles: [] } });
    expect(assignmentOf(d.spec, d.status).candidate).toBeNull();
    d.send({ type: 'ValidationSucceeded', revision: 1, sha256: SHA_A });
    const a = assignmentOf(d.spec, d.status);
    expect(a.candidate).toEqual({ revision: 1, image: d.spec.spec.filter.image, sha256: SHA_A });
    expect(a.waves).toEqual([{ clusters: { names: ['canary-east'] }, share: 0.1 }]);
    expect(nodeGetsCandidate(proxy, d.spec, d.status)).toBe(isCandidate('p1', 'bookinfo/add-header#1', 0.1));
    const east = ids.filter((id) => nodeGetsCandidate({ ...proxy, id }, d.spec, d.status)).length;
    expect(east).toBeGreaterThan(800);
    expect(east).toBeLessThan(1200);
    expect(nodeGetsCandidate({ ...proxy, cluster: clusters[1]! }, d.spec, d.status)).toBe(false);
  });
});
