// The OCI distribution API of one registry: manifests and blobs by digest, uploads (monolithic, chunked, cross-repo
// mount). It authenticates as the registry asks, verifies every digest, and turns answers into domain errors.
import { RegistryAuth } from './auth.js';
import { sha256Digest } from './digest.js';
import { OciError } from './errors.js';
import { HttpTransport, type HttpMethod, type HttpResponse } from './http-transport.js';
import { MANIFEST_ACCEPT } from './media-types.js';
import { DEFAULT_CHUNK_SIZE, DEFAULT_CHUNK_THRESHOLD, DEFAULT_RETRIES, type RegistryOptions } from './options.js';

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: { os?: string; architecture?: string; variant?: string };
  artifactType?: string;
}

export interface FetchedManifest {
  bytes: Buffer;
  /** from Content-Type, else the body's mediaType field */
  mediaType: string;
  digest: string;
}

export interface UploadOptions {
  /** a repository on the same registry that holds the blob already: tried with a cross-repo mount first */
  mountFrom?: string;
  chunkThreshold?: number;
  chunkSize?: number;
  onChunk?: (bytesDone: number) => void;
}

export type UploadResult = 'exists' | 'mounted' | 'uploaded';

interface RegistryRequest {
  method: HttpMethod;
  /** a path on the registry (/v2/…) or an absolute URL (upload locations) */
  target: string | URL;
  scopes: readonly string[];
  headers?: Record<string, string>;
  body?: Buffer;
}

export const pullScope = (repo: string) => `repository:${repo}:pull`;
export const pushScope = (repo: string) => `repository:${repo}:pull,push`;

export class RegistryClient {
  readonly base: URL;
  readonly transport: HttpTransport;
  private readonly auth: RegistryAuth;
  private readonly ownsTransport: boolean;

  constructor(
    readonly registry: string,
    private readonly opts: RegistryOptions & { transport?: HttpTransport } = {},
  ) {
    this.ownsTransport = !opts.transport;
    this.transport = opts.transport ?? new HttpTransport(opts);
    this.base = new URL(`${this.transport.allowsPlainHttp(registry) ? 'http' : 'https'}://${registry}`);
    this.auth = new RegistryAuth(registry, this.transport, opts.credentials);
  }

  close(): void {
    if (this.ownsTransport) this.transport.close();
  }

  /** GET a manifest by tag or digest, verified against the digest (asked for, or announced by the registry). */
  async getManifest(repo: string, reference: string, maxBytes: number): Promise<FetchedManifest> {
    const pinned = reference.includes(':') ? reference : undefined;
    const res = await this.request({
      method: 'GET',
      target: `/v2/${repo}/manifests/${reference}`,
      scopes: [pullScope(repo)],
      headers: { accept: MANIFEST_ACCEPT.join(', ') },
    });
    if (res.status !== 200) throw await this.failure(res, `manifest ${repo}:${reference}`, 'check the repository and tag, and that the image was pushed');
    const what = `manifest ${repo}${pinned ? '@' : ':'}${reference}`;
    const bytes = await res.read({ maxBytes, what, ...(pinned ? { digest: pinned } : {}) });
    const digest = sha256Digest(bytes);
    const announced = res.header('docker-content-digest');
    if (!pinned && announced?.startsWith('sha256:') && announced !== digest) {
      throw new OciError('digest-mismatch', `${what} from ${this.registry} has digest ${digest} but the registry announced ${announced}: the manifest was corrupted or replaced; nothing was kept`);
    }
    let mediaType = (res.header('content-type') ?? '').split(';')[0]!.trim();
    if (!mediaType || mediaType === 'application/json' || mediaType === 'text/plain') {
      try {
        mediaType = String((JSON.parse(bytes.toString('utf8')) as { mediaType?: unknown }).mediaType ?? mediaType);
      } catch {
        // left as is: the caller reports a wrong media type
      }
    }
    return { bytes, mediaType, digest: pinned ?? digest };
  }

  async blobExists(repo: string, digest: string, scopes = [pullScope(repo)]): Promise<boolean> {
    const res = await this.request({ method: 'HEAD', target: `/v2/${repo}/blobs/${digest}`, scopes });
    await res.drain();
    if (res.status === 200) return true;
    if (res.status === 404) return false;
    throw await this.failure(res, `blob ${digest} in ${repo}`, '');
  }

  /** GET a blob (following the registry's redirect to its storage), size-capped and digest-verified. */
  async getBlob(repo: string, desc: Descriptor, maxBytes: number, onChunk?: (done: number) => void): Promise<Buffer> {
    const res = await this.request({ method: 'GET', target: `/v2/${repo}/blobs/${desc.digest}`, scopes: [pullScope(repo)] });
    if (res.status !== 200) throw await this.failure(res, `blob ${desc.digest} in ${repo}`, 'the manifest refers to a blob the registry does not have: re-push the image');
    return res.read({ maxBytes, what: `blob ${desc.digest}`, digest: desc.digest, size: desc.size, ...(onChunk ? { onChunk } : {}) });
  }

  /** Puts a blob into `repo` unless it is there already: HEAD, then mount, then POST + PUT (or PATCH chunks). */
  async uploadBlob(repo: string, digest: string, data: Buffer, opts: UploadOptions = {}): Promise<UploadResult> {
    const scopes = [pushScope(repo), ...(opts.mountFrom ? [pullScope(opts.mountFrom)] : [])];
    if (await this.blobExists(repo, digest, scopes)) {
      opts.onChunk?.(data.length);
      return 'exists';
    }
    const mount = opts.mountFrom ? `?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(opts.mountFrom)}` : '';
    const started = await this.request({ method: 'POST', target: `/v2/${repo}/blobs/uploads/${mount}`, scopes });
    if (started.status === 201 && opts.mountFrom) {
      await started.drain();
      opts.onChunk?.(data.length);
      return 'mounted';
    }
    if (started.status !== 202) throw await this.failure(started, `upload to ${repo}`, '');
    await started.drain();
    let location = this.location(started);
    const threshold = opts.chunkThreshold ?? DEFAULT_CHUNK_THRESHOLD;
    if (data.length > threshold) {
      const chunkSize = opts.chunkSize ?? DEFAULT_CHUNK_SIZE;
      for (let start = 0; start < data.length; start += chunkSize) {
        const chunk = data.subarray(start, Math.min(start + chunkSize, data.length));
        const res = await this.request({
          method: 'PATCH',
          target: location,
          scopes,
          headers: { 'content-type': 'application/octet-stream', 'content-range': `${start}-${start + chunk.length - 1}` },
          body: chunk,
        });
        if (res.status !== 202) throw await this.failure(res, `chunk ${start}-${start + chunk.length - 1} of ${digest}`, '');
        await res.drain();
        location = this.location(res);
        opts.onChunk?.(start + chunk.length);
      }
      await this.finishUpload(location, digest, scopes, undefined);
    } else {
      await this.finishUpload(location, digest, scopes, data);
      opts.onChunk?.(data.length);
    }
    return 'uploaded';
  }

  /** PUT a manifest; returns its digest (checked against what the registry says it stored). */
  async putManifest(repo: string, reference: string, bytes: Buffer, mediaType: string): Promise<string> {
    const digest = sha256Digest(bytes);
    const res = await this.request({
      method: 'PUT',
      target: `/v2/${repo}/manifests/${reference}`,
      scopes: [pushScope(repo)],
      headers: { 'content-type': mediaType },
      body: bytes,
    });
    if (res.status !== 201 && res.status !== 200) throw await this.failure(res, `manifest ${repo}:${reference}`, '');
    await res.drain();
    const stored = res.header('docker-content-digest');
    if (stored?.startsWith('sha256:') && stored !== digest) {
      throw new OciError('digest-mismatch', `registry ${this.registry} stored the manifest of ${repo}:${reference} as ${stored}, but it is ${digest}: the registry rewrote it`);
    }
    return digest;
  }

  private async finishUpload(location: URL, digest: string, scopes: readonly string[], body: Buffer | undefined): Promise<void> {
    const url = new URL(location);
    url.search += `${url.search ? '&' : '?'}digest=${encodeURIComponent(digest)}`;
    const res = await this.request({
      method: 'PUT',
      target: url,
      scopes,
      headers: { 'content-type': 'application/octet-stream' },
      ...(body ? { body } : {}),
    });
    if (res.status !== 201) throw await this.failure(res, `upload of ${digest}`, '');
    await res.drain();
  }

  private location(res: HttpResponse): URL {
    const loc = res.header('location');
    if (!loc) throw new OciError('registry-error', `registry ${this.registry} answered ${res.status} to ${res.method} ${res.url.pathname} without a Location: it does not follow the OCI distribution spec`);
    return new URL(loc, this.base);
  }

  /** One registry request, authenticated as the registry asks (at most one retry after a 401). */
  async request(req: RegistryRequest): Promise<HttpResponse> {
    const url = typeof req.target === 'string' ? new URL(req.target, this.base) : req.target;
    for (let attempt = 0; ; attempt++) {
      const authorization = url.origin === this.base.origin ? await this.auth.header(req.scopes) : undefined;
      const res = await this.transport.send({
        method: req.method,
        url,
        headers: { ...req.headers, ...(authorization ? { authorization } : {}) },
        ...(req.body ? { body: req.body } : {}),
      });
      if (res.status !== 401) return res;
      const detail = await errorDetail(res);
      // Throws when new credentials would not help; a registry that keeps changing its challenge gets two tries.
      await this.auth.onUnauthorized(res, req.scopes, authorization !== undefined, detail);
      if (attempt >= 2) {
        throw new OciError('unauthorized', `registry ${this.registry} keeps answering 401 to ${req.method} ${url.pathname}${detail}: run \`wasmfleet login ${this.registry}\``, { status: 401 });
      }
    }
  }

  /** The domain error for an unexpected answer; `todo` says what to do about a 404. */
  async failure(res: HttpResponse, what: string, todo: string): Promise<OciError> {
    const detail = await errorDetail(res);
    const where = `${res.method} ${res.url.pathname}`;
    const details = { status: res.status, url: res.url.href };
    if (res.status === 404) return new OciError('not-found', `${what} not found on ${this.registry}${detail}${todo ? `: ${todo}` : ''}`, details);
    if (res.status === 403) {
      return new OciError('unauthorized', `registry ${this.registry} denied ${where} (403)${detail}: the account lacks access to this repository; run \`wasmfleet login ${this.registry}\` with an account that has it`, details);
    }
    if (res.status >= 500 || res.status === 429) {
      const tries = res.method === 'GET' || res.method === 'HEAD' ? ` after ${1 + (this.opts.retries ?? DEFAULT_RETRIES)} tries` : '';
      return new OciError('registry-error', `registry ${this.registry} answered ${res.status} ${res.statusText} to ${where}${tries}${detail}: the registry is failing; try again later or check its logs`, details);
    }
    return new OciError('registry-error', `registry ${this.registry} answered ${res.status} ${res.statusText} to ${where} for ${what}${detail}`, details);
  }
}

/** ": CODE message" from a registry's `{"errors":[…]}` body, or "" */
async function errorDetail(res: HttpResponse): Promise<string> {
  if (res.method === 'HEAD') return '';
  try {
    const body = await res.read({ maxBytes: 64 * 1024, what: 'error body' });
    const errors = (JSON.parse(body.toString('utf8')) as { errors?: Array<{ code?: string; message?: string }> }).errors ?? [];
    const text = errors.map((e) => [e.code, e.message].filter(Boolean).join(' ')).join('; ');
    return text ? ` (${text})` : '';
  } catch {
    return '';
  }
}
