// Slots in Redis, the system of record. Each write is one Lua script: checked, versioned from one counter,
// stored and announced on pub/sub atomically, so nothing is half-written and every replica hears of it.
//   <prefix>slot:<name>   hash {spec, version, createdAt, updatedAt}
//   <prefix>slots         set of slot names
//   <prefix>slots:version counter (slot versions)
//   <prefix>slots:changes pub/sub channel; the message is the slot name
import type { Redis } from 'ioredis';
import { parseOrThrow, SlotSpecSchema, type Slot, type SlotSpec } from '@wasmfleet/api';
import { SlotExistsError, SlotNotFoundError, SlotVersionConflictError } from './slot-errors.js';

const WRITE_SLOT = `
local key, names, counter = KEYS[1], KEYS[2], KEYS[3]
local mode, name, spec, now, expected, channel = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local current = redis.call('HGET', key, 'version')
if mode == 'create' then
  if current then return {'exists', current} end
elseif not current then
  return {'missing', ''}
elseif expected ~= '' and expected ~= current then
  return {'conflict', current}
end
if mode == 'delete' then
  redis.call('DEL', key)
  redis.call('SREM', names, name)
  redis.call('PUBLISH', channel, name)
  return {'ok', current}
end
local version = tostring(redis.call('INCR', counter))
if mode == 'create' then redis.call('HSET', key, 'createdAt', now) end
redis.call('HSET', key, 'spec', spec, 'version', version, 'updatedAt', now)
redis.call('SADD', names, name)
redis.call('PUBLISH', channel, name)
return {'ok', version}
`;

type WriteMode = 'create' | 'update' | 'delete';

export class SlotStore {
  readonly channel: string;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.channel = `${prefix}slots:changes`;
    redis.defineCommand('wfWriteSlot', { numberOfKeys: 3, lua: WRITE_SLOT });
  }

  private key(name: string): string {
    return `${this.prefix}slot:${name}`;
  }

  private async write(mode: WriteMode, name: string, spec: SlotSpec | undefined, expected = ''): Promise<string> {
    const [outcome, version] = (await (this.redis as any).wfWriteSlot(
      this.key(name),
      `${this.prefix}slots`,
      `${this.prefix}slots:version`,
      mode,
      name,
      spec === undefined ? '' : JSON.stringify(spec),
      this.now().toISOString(),
      expected,
      this.channel,
    )) as [string, string];
    if (outcome === 'exists') throw new SlotExistsError(name);
    if (outcome === 'missing') throw new SlotNotFoundError(name);
    if (outcome === 'conflict') throw new SlotVersionConflictError(name, expected, version);
    return version;
  }

  async create(name: string, spec: SlotSpec): Promise<Slot> {
    await this.write('create', name, spec);
    return this.getOrThrow(name);
  }

  async update(name: string, spec: SlotSpec, expectedVersion?: string): Promise<Slot> {
    await this.write('update', name, spec, expectedVersion);
    return this.getOrThrow(name);
  }

  async delete(name: string, expectedVersion?: string): Promise<void> {
    await this.write('delete', name, undefined, expectedVersion);
  }

  async get(name: string): Promise<Slot | undefined> {
    return this.decode(name, await this.redis.hgetall(this.key(name)));
  }

  async getOrThrow(name: string): Promise<Slot> {
    const slot = await this.get(name);
    if (!slot) throw new SlotNotFoundError(name);
    return slot;
  }

  async list(): Promise<Slot[]> {
    const names = (await this.redis.smembers(`${this.prefix}slots`)).sort();
    if (names.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const name of names) pipeline.hgetall(this.key(name));
    const rows = (await pipeline.exec()) ?? [];
    return rows.flatMap(([err, row], i) => {
      if (err) throw err;
      const slot = this.decode(names[i]!, row as Record<string, string>);
      return slot ? [slot] : [];
    });
  }

  private decode(name: string, row: Record<string, string>): Slot | undefined {
    if (!row['version'] || !row['spec']) return undefined;
    return {
      name,
      version: row['version'],
      // Re-validated on read: a hand-edited or older record fails loudly here, not in a proxy.
      spec: parseOrThrow(SlotSpecSchema, JSON.parse(row['spec']), `stored slot ${name}`),
      createdAt: row['createdAt'] ?? row['updatedAt'] ?? '',
      updatedAt: row['updatedAt'] ?? '',
    };
  }
}
