// Modules from plain http(s):// URLs, as Envoy's remote data source and Istio allow: the sha256 of the download
// is required and verified while streaming (so plain HTTP is acceptable here), the address guard applies, and a
// gzip or tar download is unpacked to its .wasm.
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { parseSha256Hex, sha256Hex } from './digest.js';
import { OciError } from './errors.js';
import { formatBytes } from './format-bytes.js';
import { HttpTransport } from './http-transport.js';
import { DEFAULT_MAX_MODULE_BYTES, progressReporter, type Progress, type TransportOptions } from './options.js';
import { normalizeTarPath, readTar } from './tar.js';
import { assertWasm } from './wasm-formats.js';

export interface HttpModuleOptions extends TransportOptions {
  maxModuleBytes?: number;
  onProgress?: (p: Progress) => void;
  transport?: HttpTransport;
}

export interface HttpModule {
  bytes: Buffer;
  /** hex sha256 of the module (differs from the download's when it was packed) */
  sha256: string;
  /** hex sha256 of what was downloaded, as given */
  downloadSha256: string;
}

export async function fetchHttpModule(url: URL, sha256: string, opts: HttpModuleOptions = {}): Promise<HttpModule> {
  const expected = parseSha256Hex(sha256, `sha256 for ${url.href}`);
  const max = opts.maxModuleBytes ?? DEFAULT_MAX_MODULE_BYTES;
  const transport = opts.transport ?? new HttpTransport(opts);
  const progress = progressReporter(opts.onProgress);
  const where = `${url.host}${url.pathname}`;
  try {
    const res = await transport.send({ method: 'GET', url, headers: { accept: 'application/wasm, */*' }, allowPlainHttp: true });
    if (res.status !== 200) {
      await res.drain();
      const details = { status: res.status, url: url.href };
      if (res.status === 404 || res.status === 410) throw new OciError('not-found', `${where} answered ${res.status}: check the module URL`, details);
      if (res.status === 401 || res.status === 403) {
        throw new OciError('unauthorized', `${where} answered ${res.status}: module URLs are fetched without credentials; serve it publicly or push it to a registry`, details);
      }
      throw new OciError('registry-error', `${where} answered ${res.status} ${res.statusText}: the server is failing; try again later`, details);
    }
    const total = Number(res.header('content-length') ?? 0) || 0;
    progress('download', 0, total);
    const body = await res.read({ maxBytes: max, what: `module ${where}`, digest: `sha256:${expected}`, onChunk: (done) => progress('download', done, total) });
    const bytes = await unpack(body, max, where);
    assertWasm(bytes, `module ${where}`);
    progress('done', bytes.length, bytes.length);
    return { bytes, sha256: sha256Hex(bytes), downloadSha256: expected };
  } finally {
    if (!opts.transport) transport.close();
  }
}

/** A .wasm as is; a .gz gunzipped; a tar's plugin.wasm (or its only .wasm). */
async function unpack(body: Buffer, max: number, where: string): Promise<Buffer> {
  let data = body;
  if (data[0] === 0x1f && data[1] === 0x8b) {
    try {
      data = await promisify(zlib.gunzip)(data, { maxOutputLength: max });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new OciError('too-large', `module ${where} unpacks to more than ${formatBytes(max)}: raise maxModuleBytes if this size is expected`);
      throw new OciError('not-wasm', `module ${where} is not valid gzip: ${(err as Error).message}`);
    }
  }
  const looksTar = data.length >= 512 && data.subarray(257, 262).toString('ascii') === 'ustar';
  if (!looksTar) return data;
  const wasm = [...readTar(data)].filter((e) => e.type === '0' && normalizeTarPath(e.name).endsWith('.wasm'));
  const chosen = wasm.find((e) => normalizeTarPath(e.name) === 'plugin.wasm') ?? (wasm.length === 1 ? wasm[0] : undefined);
  if (!chosen) throw new OciError('not-wasm', `module ${where} is a tar archive without plugin.wasm or a single .wasm file`);
  return chosen.data;
}
