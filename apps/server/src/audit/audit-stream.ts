// The durable audit log: one capped Redis stream, `<prefix>audit`, of JSON entries (field `entry`), appended by
// the Lua scripts that make each change (a rollout transition, a token created or revoked), in the same
// script as the change, so an entry exists exactly when its change does.
//   entry: {action, actor: {id, roles} | 'system', at, reason: {code, message}, ...what it is about}
// Lua for appending one entry, given the stream key, the cap and the entry: `APPEND_AUDIT(key, max, json)`.

/** Entries kept; older ones are trimmed (approximately, as XADD MAXLEN ~ does). */
export const AUDIT_MAX_ENTRIES = 100_000;

export const auditKey = (prefix: string) => `${prefix}audit`;

/** Lua: append one entry to the audit stream. */
export const APPEND_AUDIT_LUA = `
local function APPEND_AUDIT(key, max, entry)
  redis.call('XADD', key, 'MAXLEN', '~', max, '*', 'entry', entry)
end
`;
