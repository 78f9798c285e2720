// Rollouts in Redis, the only truth. A transition is one Lua script: checked against the version read
// (optimistic concurrency), status and assignment stored, audit entries appended, change announced — all
// or nothing, so an audit entry exists exactly once per transition, even across crashes and retries.
//   <p>rollout:<id>              hash {status, version, assignment, revision, createdAt}
//   <p>rollout:<id>:spec:<rev>   the normalized spec of each revision (immutable)
//   <p>rollouts                  set of rollout ids
//   <p>slot-owner:<slot>         the rollout that holds the slot
//   <p>audit                     stream of audit entries (capped)
//   <p>rollouts:changes          pub/sub channel; the message is `<rollout id>\n<commit time, ISO 8601>` (see parseChange)
import type { Redis } from 'ioredis';
import type { Assignment, RolloutStatus, WasmRollout } from '@wasmfleet/rollout';
import { APPEND_AUDIT_LUA, AUDIT_MAX_ENTRIES, auditKey } from '../audit/audit-stream.js';

const COMMIT = `${APPEND_AUDIT_LUA}
local key, auditKey, idsKey = KEYS[1], KEYS[2], KEYS[3]
local expected, status, assignment, channel, id = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local specKey, specJson, revision, ownerKey, now, auditMax = ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10], ARGV[11]
local current = redis.call('HGET', key, 'version') or '0'
if current ~= expected then return {'conflict', current} end
local version = tostring(tonumber(current) + 1)
redis.call('HSET', key, 'status', status, 'version', version)
if current == '0' then redis.call('HSET', key, 'createdAt', now) end
if assignment ~= '' then redis.call('HSET', key, 'assignment', assignment) end
if specKey ~= '' then
  redis.call('SET', specKey, specJson)
  redis.call('HSET', key, 'revision', revision)
end
if ownerKey ~= '' then redis.call('SET', ownerKey, id) end
redis.call('SADD', idsKey, id)
for i = 12, #ARGV do
  APPEND_AUDIT(auditKey, auditMax, ARGV[i])
end
redis.call('PUBLISH', channel, id .. '\\n' .. now)
return {'ok', version}
`;

export interface StoredRollout {
  id: string;
  version: number;
  status: RolloutStatus;
  assignment?: Assignment;
  /** Latest revision number applied. */
  revision: number;
  createdAt: string;
}

export interface Commit {
  expectedVersion: number;
  status: RolloutStatus;
  assignment?: Assignment;
  /** A new revision's spec, written with the transition that applies it. */
  newSpec?: { revision: number; spec: WasmRollout };
  /** Claim the slot for this rollout. */
  claimSlot?: string;
  audit: object[];
}

/** A message of the changes channel: which rollout, and when the change was committed (epoch ms, NaN if unknown). */
export function parseChange(message: string): { id: string; at: number } {
  const cut = message.lastIndexOf('\n');
  return cut < 0 ? { id: message, at: Number.NaN } : { id: message.slice(0, cut), at: Date.parse(message.slice(cut + 1)) };
}

export class RolloutStore {
  readonly channel: string;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    this.channel = `${prefix}rollouts:changes`;
    redis.defineCommand('wfCommitRollout', { numberOfKeys: 3, lua: COMMIT });
  }

  private key(id: string): string {
    return `${this.prefix}rollout:${id}`;
  }

  private specKey(id: string, revision: number): string {
    return `${this.prefix}rollout:${id}:spec:${revision}`;
  }

  /** Writes a transition; false when the rollout moved on since `expectedVersion` was read. */
  async commit(id: string, c: Commit, now: Date): Promise<boolean> {
    const [outcome] = (await (this.redis as any).wfCommitRollout(
      this.key(id),
      auditKey(this.prefix),
      `${this.prefix}rollouts`,
      String(c.expectedVersion),
      JSON.stringify(c.status),
      c.assignment ? JSON.stringify(c.assignment) : '',
      this.channel,
      id,
      c.newSpec ? this.specKey(id, c.newSpec.revision) : '',
      c.newSpec ? JSON.stringify(c.newSpec.spec) : '',
      c.newSpec ? String(c.newSpec.revision) : '',
      c.claimSlot ? `${this.prefix}slot-owner:${c.claimSlot}` : '',
      now.toISOString(),
      String(AUDIT_MAX_ENTRIES),
      ...c.audit.map((entry) => JSON.stringify(entry)),
    )) as [string, string];
    return outcome === 'ok';
  }

  async get(id: string): Promise<StoredRollout | undefined> {
    return this.decode(id, await this.redis.hgetall(this.key(id)));
  }

  async spec(id: string, revision: number): Promise<WasmRollout | undefined> {
    const json = await this.redis.get(this.specKey(id, revision));
    return json ? (JSON.parse(json) as WasmRollout) : undefined;
  }

  async slotOwner(slot: string): Promise<string | undefined> {
    return (await this.redis.get(`${this.prefix}slot-owner:${slot}`)) ?? undefined;
  }

  async list(): Promise<StoredRollout[]> {
    const ids = (await this.redis.smembers(`${this.prefix}rollouts`)).sort();
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.key(id));
    const rows = (await pipeline.exec()) ?? [];
    return rows.flatMap(([err, row], i) => {
      if (err) throw err;
      const r = this.decode(ids[i]!, row as Record<string, string>);
      return r ? [r] : [];
    });
  }

  /** Newest first; `limit` bounds the entries read before filtering. */
  async audit(filter: (entry: Record<string, unknown>) => boolean, limit = 1000): Promise<Array<Record<string, unknown> & { id: string }>> {
    const rows = (await this.redis.xrevrange(auditKey(this.prefix), '+', '-', 'COUNT', limit)) as Array<[string, string[]]>;
    return rows
      .map(([id, fields]) => ({ id, ...(JSON.parse(fields[1] ?? '{}') as Record<string, unknown>) }))
      .filter((entry) => filter(entry));
  }

  private decode(id: string, row: Record<string, string>): StoredRollout | undefined {
    if (!row['status']) return undefined;
    return {
      id,
      version: Number(row['version'] ?? 0),
      status: JSON.parse(row['status']) as RolloutStatus,
      ...(row['assignment'] && { assignment: JSON.parse(row['assignment']) as Assignment }),
      revision: Number(row['revision'] ?? 0),
      createdAt: row['createdAt'] ?? '',
    };
  }
}
