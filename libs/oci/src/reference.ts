// Where a module comes from: `oci://host:port/repo/name:tag`, `…@sha256:<hex>` (scheme optional, as in Istio),
// or an `http(s)://` URL to the module bytes (which must come with a sha256 elsewhere).
import { parseDigest } from './digest.js';
import { OciError } from './errors.js';

export interface OciReference {
  kind: 'oci';
  /** host[:port] to talk to (Docker Hub's `docker.io` becomes `registry-1.docker.io`) */
  registry: string;
  /** repository path, e.g. `filters/add-header` */
  repository: string;
  /** the tag as written; `latest` when neither tag nor digest was given */
  tag?: string;
  /** `sha256:<hex>` when pinned; it wins over the tag */
  digest?: string;
}

export interface HttpReference {
  kind: 'http';
  url: URL;
}

export type ModuleReference = OciReference | HttpReference;

const TAG_RE = /^[\w][\w.-]{0,127}$/;
const COMPONENT_RE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const HOST_RE = /^(?:\[[0-9a-fA-F:.]+\]|[a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?)(?::\d{1,5})?$/;

const invalid = (input: string, why: string) =>
  new OciError('invalid-reference', `"${input}" is not a module reference: ${why} (expected oci://host[:port]/repo/name[:tag|@sha256:<hex>] or an http(s):// URL)`);

export function parseReference(input: string): ModuleReference {
  const s = input.trim();
  if (/^https?:\/\//i.test(s)) {
    let url: URL;
    try {
      url = new URL(s);
    } catch {
      throw invalid(input, 'the URL does not parse');
    }
    if (url.username || url.password) throw invalid(input, 'credentials in the URL are not allowed; pass them as options');
    return { kind: 'http', url };
  }
  return parseOciReference(s);
}

export function parseOciReference(input: string): OciReference {
  let s = input.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(s);
  if (scheme) {
    if (!['oci', 'docker'].includes(scheme[1]!.toLowerCase())) throw invalid(input, `unsupported scheme ${scheme[1]}://`);
    s = s.slice(scheme[0].length);
  }
  let digest: string | undefined;
  const at = s.indexOf('@');
  if (at >= 0) {
    digest = parseDigest(s.slice(at + 1), `digest in "${input}"`);
    s = s.slice(0, at);
  }
  let tag: string | undefined;
  const lastSlash = s.lastIndexOf('/');
  const colon = s.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = s.slice(colon + 1);
    s = s.slice(0, colon);
    if (!TAG_RE.test(tag)) throw invalid(input, `tag "${tag}" has characters a tag may not have`);
  }
  const parts = s.split('/');
  let registry = 'docker.io';
  if (parts.length > 1 && (/[.:]/.test(parts[0]!) || parts[0] === 'localhost' || parts[0]!.startsWith('['))) {
    registry = parts.shift()!;
    if (!HOST_RE.test(registry)) throw invalid(input, `"${registry}" is not a host[:port]`);
  }
  if (parts.length === 0 || parts.some((p) => !COMPONENT_RE.test(p))) {
    throw invalid(input, `repository "${parts.join('/')}" must be lowercase path components`);
  }
  if (registry === 'docker.io' || registry === 'index.docker.io') {
    registry = 'registry-1.docker.io';
    if (parts.length === 1) parts.unshift('library');
  }
  const ref: OciReference = { kind: 'oci', registry: registry.toLowerCase(), repository: parts.join('/') };
  if (tag !== undefined) ref.tag = tag;
  if (digest !== undefined) ref.digest = digest;
  if (tag === undefined && digest === undefined) ref.tag = 'latest';
  return ref;
}

/** `oci://host/repo:tag@sha256:…`: the canonical text of a reference (also a cache key). */
export function formatReference(ref: ModuleReference): string {
  if (ref.kind === 'http') return ref.url.href;
  return `oci://${ref.registry}/${ref.repository}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

/** The same repository pinned to a digest (the tag dropped). */
export function withDigest(ref: OciReference, digest: string): OciReference {
  return { kind: 'oci', registry: ref.registry, repository: ref.repository, digest };
}

/** The host name without port or IPv6 brackets. */
export function hostnameOf(registry: string): string {
  if (registry.startsWith('[')) return registry.slice(1, registry.indexOf(']'));
  const colon = registry.lastIndexOf(':');
  return colon >= 0 ? registry.slice(0, colon) : registry;
}
