// API tokens in Redis, the system of record. Only a hash of each secret is kept; writes are Lua scripts so a
// create never overwrites and a revoke is recorded once, each with its audit entry (audit-stream.ts).
//   <prefix>token:<id>  hash {name, roles (comma-separated), createdBy, createdAt, expiresAt?, revokedAt?, secretHash}
//   <prefix>tokens      set of token ids
// Revoked and expired records stay (with revokedAt / expiresAt) so lists and audits can still name them.
import type { Redis } from 'ioredis';
import { TokenNotFoundError } from './auth-errors.js';
import { isRole, type Role } from './roles.js';
import { APPEND_AUDIT_LUA, AUDIT_MAX_ENTRIES, auditKey } from '../audit/audit-stream.js';

export interface TokenRecord {
  id: string;
  name: string;
  roles: Role[];
  createdBy: string;
  createdAt: string;
  expiresAt?: string;
  revokedAt?: string;
  /** sha256 of the secret, hex. */
  secretHash: string;
}

// KEYS: token, token ids, audit. ARGV: id, audit cap, audit entry, then the hash's fields and values.
const CREATE_TOKEN = `${APPEND_AUDIT_LUA}
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 4))
redis.call('SADD', KEYS[2], ARGV[1])
APPEND_AUDIT(KEYS[3], ARGV[2], ARGV[3])
return 1
`;

// KEYS: token, audit. ARGV: time, audit cap, audit entry. A token already revoked keeps its first time, unaudited.
const REVOKE_TOKEN = `${APPEND_AUDIT_LUA}
if redis.call('EXISTS', KEYS[1]) == 0 then return {'missing', ''} end
local at = redis.call('HGET', KEYS[1], 'revokedAt')
if at then return {'already', at} end
redis.call('HSET', KEYS[1], 'revokedAt', ARGV[1])
APPEND_AUDIT(KEYS[2], ARGV[2], ARGV[3])
return {'ok', ARGV[1]}
`;

export class TokenStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    redis.defineCommand('wfCreateToken', { numberOfKeys: 3, lua: CREATE_TOKEN });
    redis.defineCommand('wfRevokeToken', { numberOfKeys: 2, lua: REVOKE_TOKEN });
  }

  private key(id: string): string {
    return `${this.prefix}token:${id}`;
  }

  /** Stores a new token with `audit`, its audit entry; false when the id is taken (the caller draws another). */
  async create(record: TokenRecord, audit: object): Promise<boolean> {
    const fields: string[] = [
      'name', record.name,
      'roles', record.roles.join(','),
      'createdBy', record.createdBy,
      'createdAt', record.createdAt,
      'secretHash', record.secretHash,
    ];
    if (record.expiresAt) fields.push('expiresAt', record.expiresAt);
    const created = await (this.redis as any).wfCreateToken(
      this.key(record.id),
      `${this.prefix}tokens`,
      auditKey(this.prefix),
      record.id,
      String(AUDIT_MAX_ENTRIES),
      JSON.stringify(audit),
      ...fields,
    );
    return created === 1;
  }

  async get(id: string): Promise<TokenRecord | undefined> {
    return this.decode(id, await this.redis.hgetall(this.key(id)));
  }

  async list(): Promise<TokenRecord[]> {
    const ids = await this.redis.smembers(`${this.prefix}tokens`);
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.key(id));
    const rows = (await pipeline.exec()) ?? [];
    return rows
      .flatMap(([err, row], i) => {
        if (err) throw err;
        const record = this.decode(ids[i]!, row as Record<string, string>);
        return record ? [record] : [];
      })
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  /**
   * Marks the token revoked (once: revoking again keeps the first time) and records `audit` with the first
   * revocation only. Returns when it was revoked.
   */
  async revoke(id: string, now: Date, audit: object): Promise<string> {
    const [outcome, at] = (await (this.redis as any).wfRevokeToken(
      this.key(id),
      auditKey(this.prefix),
      now.toISOString(),
      String(AUDIT_MAX_ENTRIES),
      JSON.stringify(audit),
    )) as [string, string];
    if (outcome === 'missing') throw new TokenNotFoundError(id);
    return at;
  }

  private decode(id: string, row: Record<string, string>): TokenRecord | undefined {
    if (!row['secretHash'] || !row['createdAt']) return undefined;
    return {
      id,
      name: row['name'] ?? '',
      // An unknown role in a stored record grants nothing (fail closed), rather than failing every call.
      roles: (row['roles'] ?? '').split(',').filter(isRole),
      createdBy: row['createdBy'] ?? '',
      createdAt: row['createdAt'],
      ...(row['expiresAt'] && { expiresAt: row['expiresAt'] }),
      ...(row['revokedAt'] && { revokedAt: row['revokedAt'] }),
      secretHash: row['secretHash'],
    };
  }
}
