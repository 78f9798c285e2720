// Summarises a V8 .cpuprofile (node --cpu-prof) over a time window: self and inclusive time per function
// and self time per area (package / workspace lib / node internals). Used by run.ts --cpu-prof for the
// fan-out window; also runnable alone: npx tsx bench/ecds/profile-summary.ts <file> [fromUs toUs].
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

function shortUrl(url: string): string {
  return url
    .replace(/^file:\/\//, '')
    .replace(/^.*\/node_modules\//, '')
    .replace(/^.*\/(libs|apps)\//, '$1/');
}

function areaOf(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  if (url.startsWith('node:')) return url.split('/').slice(0, 2).join('/');
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  const ws = /\/(libs|apps)\/([^/]+)\//.exec(url);
  if (ws) return `${ws[1]}/${ws[2]}`;
  return shortUrl(url);
}

export interface ProfileSummary {
  windowMs: number;
  sampledMs: number;
  topSelf: Array<[string, number]>;
  topInclusive: Array<[string, number]>;
  areas: Array<[string, number]>;
}

/**
 * Times in ms. `windows`: [fromUs, toUs] pairs on the profile's clock (CLOCK_MONOTONIC µs, like
 * process.hrtime); default the whole profile.
 */
export function summarizeProfile(file: string, windows?: Array<[number, number]>, top = 15): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const key = (n: ProfileNode) => {
    const f = n.callFrame;
    return `${f.functionName || '(anonymous)'} ${f.url ? `${shortUrl(f.url)}:${f.lineNumber + 1}` : ''}`.trim();
  };
  const self = new Map<string, number>();
  const incl = new Map<string, number>();
  const areas = new Map<string, number>();
  const spans = windows ?? [[p.startTime, p.endTime]];
  const inWindow = (t: number) => spans.some(([from, to]) => t >= from && t <= to);
  let t = p.startTime;
  let sampled = 0;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i] ?? 0;
    // A sample stands for the time until the next one.
    const dt = (p.timeDeltas[i + 1] ?? 0) / 1000;
    if (!inWindow(t)) continue;
    const node = byId.get(p.samples[i]!)!;
    const fn = node.callFrame.functionName;
    if (fn === '(idle)' || fn === '(program)') continue;
    sampled += dt;
    self.set(key(node), (self.get(key(node)) ?? 0) + dt);
    const area = areaOf(node.callFrame.url, fn);
    areas.set(area, (areas.get(area) ?? 0) + dt);
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const k = key(byId.get(id)!);
      if (seen.has(k)) continue;
      seen.add(k);
      incl.set(k, (incl.get(k) ?? 0) + dt);
    }
  }
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top);
  return {
    windowMs: spans.reduce((sum, [from, to]) => sum + (to - from), 0) / 1000,
    sampledMs: sampled,
    topSelf: sorted(self),
    topInclusive: sorted(incl).filter(([k]) => k !== '(root)'),
    areas: sorted(areas),
  };
}

export function formatSummary(s: ProfileSummary): string {
  const rows = (title: string, list: Array<[string, number]>) =>
    [`  ${title}:`, ...list.map(([k, ms]) => `    ${ms.toFixed(1).padStart(8)} ms  ${k}`)].join('\n');
  return [
    `  window(s) ${s.windowMs.toFixed(0)} ms, on-CPU (JS thread, non-idle) ${s.sampledMs.toFixed(0)} ms`,
    rows('self time by area', s.areas),
    rows('self time by function', s.topSelf),
    rows('inclusive time by function', s.topInclusive),
  ].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [file, from, to] = process.argv.slice(2);
  if (!file) {
    console.error('usage: profile-summary.ts <file.cpuprofile> [fromUs toUs]');
    process.exit(2);
  }
  console.log(formatSummary(summarizeProfile(file, from && to ? [[Number(from), Number(to)]] : undefined)));
}
