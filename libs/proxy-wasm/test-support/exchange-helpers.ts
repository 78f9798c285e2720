// Small builders shared by the tests: requests, recording upstreams, plugins over C fixtures.

import { FilterPlugin } from '../src/filter-plugin.js';
import { loadFilterModule } from '../src/filter-module.js';
import { SharedState } from '../src/shared-state.js';
import type { HttpRequest, HttpResponse, PluginOptions } from '../src/types.js';
import { compileC } from './compile-fixture.js';

export function request(overrides: Partial<HttpRequest> = {}): HttpRequest {
  return {
    method: 'GET',
    path: '/',
    authority: 'example.test',
    scheme: 'http',
    headers: [['user-agent', 'vitest']],
    source: { address: '10.1.2.3', port: 40123 },
    destination: { address: '10.9.9.9', port: 8080 },
    ...overrides,
  };
}

export interface RecordingUpstream {
  (req: HttpRequest): Promise<HttpResponse>;
  calls: HttpRequest[];
}

/** An upstream that records what it got and answers `response` (200, empty, by default). */
export function upstream(response: Partial<HttpResponse> = {}): RecordingUpstream {
  const calls: HttpRequest[] = [];
  const fn = async (req: HttpRequest) => {
    calls.push(req);
    return { status: 200, headers: [['content-type', 'text/plain']] as [string, string][], ...response };
  };
  return Object.assign(fn, { calls });
}

export function header(headers: [string, string][] | undefined, name: string): string | undefined {
  return headers?.find(([k]) => k === name)?.[1];
}

export const text = (bytes: Uint8Array | undefined) => Buffer.from(bytes ?? []).toString('utf8');

export interface LoggedLine {
  level: string;
  message: string;
}

/** Starts a plugin over a C fixture with its own shared state; collects every log line. */
export async function startFixture(name: string, opts: Partial<PluginOptions> = {}) {
  const mod = await loadFilterModule(compileC(name));
  const lines: LoggedLine[] = [];
  const plugin = await FilterPlugin.start(mod, {
    name: `${name}-plugin`,
    rootId: `${name}_root`,
    sharedState: new SharedState(),
    logLevel: 'trace',
    logger: (level, message) => lines.push({ level, message }),
    ...opts,
  });
  return { plugin, lines, mod };
}

export async function until(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
