// The exchange `filter test` runs: the request, the response the stub upstream answers, and what must come out.
// It comes from a request file (JSON or YAML) and/or flags; flags win over the file field by field, and --header /
// --response-header add to the file's headers.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { HttpRequest, HttpResponse } from '@wasmfleet/proxy-wasm';
import { notFoundError, usageError } from '../cli-error.js';

export interface Expectations {
  status?: number;
  /** true: the filter must answer locally; false: it must not */
  localReply?: boolean;
  /** header → value the upstream request must carry (null: must not carry it) */
  requestHeaders?: Record<string, string | null>;
  /** header → value the final response must carry (null: must not carry it) */
  responseHeaders?: Record<string, string | null>;
}

export interface ExchangeSpec {
  request: HttpRequest;
  response: HttpResponse;
  expect?: Expectations;
}

export interface ExchangeFlags {
  method?: string;
  path?: string;
  authority?: string;
  header?: string[];
  body?: string;
  responseStatus?: string;
  responseHeader?: string[];
  responseBody?: string;
}

const encoder = new TextEncoder();

export function defaultSpec(): ExchangeSpec {
  return {
    request: { method: 'GET', path: '/', authority: 'example.com', scheme: 'http', headers: [] },
    response: { status: 200, headers: [['content-type', 'text/plain']], body: encoder.encode('ok\n') },
  };
}

/** `name: value`, as curl writes it (the value may be empty); names are lower-cased as the proxy-wasm host does. */
export function parseHeaderFlag(text: string, flag: string): [string, string] {
  if (text.trimStart().startsWith(':')) throw usageError(`${flag} "${text}" sets a pseudo-header`, 'use --method, --path or --authority (and --response-status) instead');
  const colon = text.indexOf(':');
  const name = colon > 0 ? text.slice(0, colon).trim().toLowerCase() : '';
  if (!name || /\s/.test(name)) throw usageError(`${flag} "${text}" is not a header`, `write it as ${flag} 'name: value'`);
  return [name, text.slice(colon + 1).trim()];
}

function fail(file: string, why: string) {
  return usageError(`${file}: ${why}`, 'see `wasmfleet filter test --help` for the request file format');
}

function headerList(v: unknown, where: string, file: string): [string, string][] {
  if (v === undefined || v === null) return [];
  const out: [string, string][] = [];
  if (Array.isArray(v)) {
    for (const item of v) {
      if (typeof item === 'string') out.push(parseHeaderFlag(item, where));
      else if (Array.isArray(item) && item.length === 2 && typeof item[0] === 'string') out.push([item[0].toLowerCase(), String(item[1])]);
      else throw fail(file, `${where} entries must be "name: value" strings or [name, value] pairs`);
    }
    return out;
  }
  if (typeof v !== 'object') throw fail(file, `${where} must be a mapping of name: value`);
  for (const [k, value] of Object.entries(v as Record<string, unknown>)) {
    const values = Array.isArray(value) ? value : [value];
    for (const one of values) {
      if (one === null || typeof one === 'object') throw fail(file, `${where}.${k} must be a string (or a list of strings)`);
      out.push([k.toLowerCase(), String(one)]);
    }
  }
  return out;
}

function body(section: Record<string, unknown>, where: string, file: string): Uint8Array | undefined {
  if (section.bodyBase64 !== undefined) {
    if (typeof section.bodyBase64 !== 'string') throw fail(file, `${where}.bodyBase64 must be a string`);
    return new Uint8Array(Buffer.from(section.bodyBase64, 'base64'));
  }
  if (section.body === undefined || section.body === null) return undefined;
  if (typeof section.body !== 'string') throw fail(file, `${where}.body must be a string (or use bodyBase64)`);
  return encoder.encode(section.body);
}

function mapping(v: unknown, where: string, file: string): Record<string, unknown> {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw fail(file, `${where} must be a mapping`);
  return v as Record<string, unknown>;
}

function onlyKeys(m: Record<string, unknown>, allowed: string[], where: string, file: string): void {
  const extra = Object.keys(m).filter((k) => !allowed.includes(k));
  if (extra.length) throw fail(file, `${where} has unknown field "${extra[0]}" (known: ${allowed.join(', ')})`);
}

function status(v: unknown, where: string, file: string): number {
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 100 || n > 999) throw fail(file, `${where} must be an HTTP status (100-999), found ${JSON.stringify(v)}`);
  return n;
}

function expectedHeaders(v: unknown, where: string, file: string): Record<string, string | null> | undefined {
  if (v === undefined) return undefined;
  const m = mapping(v, where, file);
  const out: Record<string, string | null> = {};
  for (const [k, value] of Object.entries(m)) {
    if (value !== null && typeof value === 'object') throw fail(file, `${where}.${k} must be a string, or null for "absent"`);
    out[k.toLowerCase()] = value === null ? null : String(value);
  }
  return out;
}

/** Parses a request file's document (already read as JSON or YAML). */
export function specFromDocument(doc: unknown, file: string): ExchangeSpec {
  const spec = defaultSpec();
  const top = mapping(doc, 'the file', file);
  onlyKeys(top, ['request', 'response', 'expect'], 'the file', file);
  const req = mapping(top.request, 'request', file);
  onlyKeys(req, ['method', 'path', 'authority', 'host', 'scheme', 'headers', 'body', 'bodyBase64', 'trailers'], 'request', file);
  const str = (m: Record<string, unknown>, k: string, where: string) => {
    if (m[k] === undefined) return undefined;
    if (typeof m[k] !== 'string' || m[k] === '') throw fail(file, `${where}.${k} must be a non-empty string`);
    return m[k] as string;
  };
  spec.request.method = str(req, 'method', 'request')?.toUpperCase() ?? spec.request.method;
  spec.request.path = str(req, 'path', 'request') ?? spec.request.path;
  spec.request.authority = str(req, 'authority', 'request') ?? str(req, 'host', 'request') ?? spec.request.authority;
  spec.request.scheme = str(req, 'scheme', 'request') ?? spec.request.scheme;
  spec.request.headers = headerList(req.headers, 'request.headers', file);
  const reqBody = body(req, 'request', file);
  if (reqBody) spec.request.body = reqBody;
  if (req.trailers !== undefined) spec.request.trailers = headerList(req.trailers, 'request.trailers', file);
  if (top.response !== undefined) {
    const res = mapping(top.response, 'response', file);
    onlyKeys(res, ['status', 'headers', 'body', 'bodyBase64', 'trailers'], 'response', file);
    if (res.status !== undefined) spec.response.status = status(res.status, 'response.status', file);
    if (res.headers !== undefined) spec.response.headers = headerList(res.headers, 'response.headers', file);
    if (res.body !== undefined || res.bodyBase64 !== undefined) spec.response.body = body(res, 'response', file) ?? new Uint8Array(0);
    if (res.trailers !== undefined) spec.response.trailers = headerList(res.trailers, 'response.trailers', file);
  }
  if (top.expect !== undefined) {
    const e = mapping(top.expect, 'expect', file);
    onlyKeys(e, ['status', 'localReply', 'requestHeaders', 'responseHeaders'], 'expect', file);
    const expect: Expectations = {};
    if (e.status !== undefined) expect.status = status(e.status, 'expect.status', file);
    if (e.localReply !== undefined) {
      if (typeof e.localReply !== 'boolean') throw fail(file, 'expect.localReply must be true or false');
      expect.localReply = e.localReply;
    }
    const rq = expectedHeaders(e.requestHeaders, 'expect.requestHeaders', file);
    if (rq) expect.requestHeaders = rq;
    const rs = expectedHeaders(e.responseHeaders, 'expect.responseHeaders', file);
    if (rs) expect.responseHeaders = rs;
    spec.expect = expect;
  }
  return spec;
}

export async function readSpecFile(file: string): Promise<ExchangeSpec> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw notFoundError(`request file ${file} does not exist`);
    throw err;
  }
  let doc: unknown;
  try {
    if (path.extname(file).toLowerCase() === '.json') doc = JSON.parse(text);
    else doc = (await import('yaml')).parse(text);
  } catch (err) {
    throw fail(file, `does not parse: ${(err as Error).message}`);
  }
  return specFromDocument(doc, file);
}

/** Flags on top of a spec (from a file, or the default one). */
export function applyFlags(spec: ExchangeSpec, flags: ExchangeFlags): ExchangeSpec {
  const request = { ...spec.request, headers: [...spec.request.headers] };
  const response = { ...spec.response, headers: [...spec.response.headers] };
  if (flags.method) request.method = flags.method.toUpperCase();
  if (flags.path) {
    if (!flags.path.startsWith('/')) throw usageError(`--path "${flags.path}" must start with /`);
    request.path = flags.path;
  }
  if (flags.authority) request.authority = flags.authority;
  for (const h of flags.header ?? []) request.headers.push(parseHeaderFlag(h, '--header'));
  if (flags.body !== undefined) request.body = encoder.encode(flags.body);
  if (flags.responseStatus !== undefined) response.status = status(flags.responseStatus, '--response-status', 'flags');
  for (const h of flags.responseHeader ?? []) response.headers.push(parseHeaderFlag(h, '--response-header'));
  if (flags.responseBody !== undefined) response.body = encoder.encode(flags.responseBody);
  const out: ExchangeSpec = { request, response };
  if (spec.expect) out.expect = spec.expect;
  return out;
}
