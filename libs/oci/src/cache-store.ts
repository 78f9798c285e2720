// The module cache on disk: modules/<sha256>.wasm named by the module's own hash, refs/<hash of key>.json mapping
// references to modules, tmp/ for writes in flight. Every write is a temp file renamed into place, so a reader
// sees a whole file or none, and a failure leaves nothing behind. Access times are tracked (in memory, and as
// the file's mtime so they survive restarts) for LRU eviction under a size bound.
import crypto from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { OciError } from './errors.js';
import { formatBytes } from './format-bytes.js';

export type ModuleFormat = 'solo' | 'compat' | 'cncf' | 'http';

/** What a reference resolved to, kept in refs/. */
export interface RefRecord {
  key: string;
  sha256: string;
  size: number;
  format: ModuleFormat;
  manifestDigest?: string;
  /** when a tag was last resolved against the registry (ms since epoch) */
  resolvedAt: number;
}

export interface StoredModule {
  sha256: string;
  size: number;
  path: string;
}

interface IndexEntry {
  size: number;
  lastAccess: number;
}

export class CacheStore {
  private readonly index = new Map<string, IndexEntry>();
  private totalBytes = 0;
  readonly modulesDir: string;
  readonly refsDir: string;
  readonly tmpDir: string;
  evictions = 0;

  constructor(
    readonly dir: string,
    readonly maxBytes: number,
    private readonly now: () => number,
  ) {
    this.modulesDir = path.join(dir, 'modules');
    this.refsDir = path.join(dir, 'refs');
    this.tmpDir = path.join(dir, 'tmp');
  }

  /** Creates the layout, throws away writes a crash left half done, and indexes the modules present. */
  async init(): Promise<void> {
    await Promise.all([this.modulesDir, this.refsDir, this.tmpDir].map((d) => fs.mkdir(d, { recursive: true })));
    for (const name of await fs.readdir(this.tmpDir)) await fs.rm(path.join(this.tmpDir, name), { force: true, recursive: true });
    for (const name of await fs.readdir(this.modulesDir)) {
      const m = /^([a-f0-9]{64})\.wasm$/.exec(name);
      if (!m) continue;
      const st = await fs.stat(path.join(this.modulesDir, name)).catch(() => undefined);
      if (!st) continue;
      this.index.set(m[1]!, { size: st.size, lastAccess: st.mtimeMs });
      this.totalBytes += st.size;
    }
  }

  modulePath(sha256: string): string {
    return path.join(this.modulesDir, `${sha256}.wasm`);
  }

  /** The module if present (and marks it used), else undefined. */
  async get(sha256: string): Promise<StoredModule | undefined> {
    const entry = this.index.get(sha256);
    if (!entry) return undefined;
    const file = this.modulePath(sha256);
    const st = await fs.stat(file).catch(() => undefined);
    if (!st) {
      // removed behind our back: forget it
      this.index.delete(sha256);
      this.totalBytes -= entry.size;
      return undefined;
    }
    await this.touch(sha256, entry);
    return { sha256, size: entry.size, path: file };
  }

  /** Writes a verified module atomically, then evicts least recently used modules beyond the bound. */
  async put(sha256: string, bytes: Buffer): Promise<StoredModule> {
    if (bytes.length > this.maxBytes) {
      throw new OciError('too-large', `module ${sha256} is ${formatBytes(bytes.length)}, more than the whole cache (${formatBytes(this.maxBytes)}): raise the cache's maxBytes`);
    }
    const file = this.modulePath(sha256);
    const existing = await this.get(sha256);
    if (existing) return existing;
    await this.writeAtomic(file, bytes, true);
    const entry = { size: bytes.length, lastAccess: this.now() };
    this.index.set(sha256, entry);
    this.totalBytes += bytes.length;
    await this.touch(sha256, entry);
    await this.evict(sha256);
    return { sha256, size: bytes.length, path: file };
  }

  async readRef(key: string): Promise<RefRecord | undefined> {
    try {
      const rec = JSON.parse(await fs.readFile(this.refPath(key), 'utf8')) as RefRecord;
      return rec.key === key ? rec : undefined;
    } catch {
      return undefined;
    }
  }

  async writeRef(rec: RefRecord): Promise<void> {
    await this.writeAtomic(this.refPath(rec.key), Buffer.from(JSON.stringify(rec)), false);
  }

  /** Modules present, most recently used first. */
  list(): Array<{ sha256: string; size: number; lastAccess: number }> {
    return [...this.index.entries()].map(([sha256, e]) => ({ sha256, ...e })).sort((a, b) => b.lastAccess - a.lastAccess);
  }

  get bytes(): number {
    return this.totalBytes;
  }

  private refPath(key: string): string {
    return path.join(this.refsDir, `${crypto.createHash('sha256').update(key).digest('hex')}.json`);
  }

  private async touch(sha256: string, entry: IndexEntry): Promise<void> {
    entry.lastAccess = Math.max(this.now(), entry.lastAccess);
    const t = entry.lastAccess / 1000;
    await fs.utimes(this.modulePath(sha256), t, t).catch(() => undefined);
  }

  private async evict(keep: string): Promise<void> {
    while (this.totalBytes > this.maxBytes) {
      let victim: [string, IndexEntry] | undefined;
      for (const e of this.index) if (e[0] !== keep && (!victim || e[1].lastAccess < victim[1].lastAccess)) victim = e;
      if (!victim) return;
      this.index.delete(victim[0]);
      this.totalBytes -= victim[1].size;
      this.evictions++;
      await fs.rm(this.modulePath(victim[0]), { force: true });
    }
  }

  /** temp file in tmp/ (same file system), written and synced, then renamed over the target. */
  private async writeAtomic(target: string, bytes: Buffer, sync: boolean): Promise<void> {
    const tmp = path.join(this.tmpDir, `${path.basename(target)}.${crypto.randomBytes(6).toString('hex')}`);
    try {
      const fh = await fs.open(tmp, 'wx');
      try {
        await fh.writeFile(bytes);
        if (sync) await fh.datasync();
      } finally {
        await fh.close();
      }
      await fs.rename(tmp, target);
    } catch (err) {
      await fs.rm(tmp, { force: true });
      throw err;
    }
  }
}
