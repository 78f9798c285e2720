// The version_info / system_version_info of a response: a digest of what the client holds, so two streams
// holding the same resources at the same versions report the same version string.
import { createHash } from 'node:crypto';

const DIGEST_HEX_LENGTH = 16;
/** Thousands of streams hold the same versions after a push: hash each distinct holding once. */
const MEMO_LIMIT = 10_000;
const memo = new Map<string, string>();

/** sha256 over the name→version pairs sorted by name; short hex. */
export function digestVersions(versions: ReadonlyMap<string, string>): string {
  // NUL and LF cannot appear in resource names or versions we produce, so the encoding is unambiguous.
  let key = '';
  for (const name of [...versions.keys()].sort()) key += `${name}\0${versions.get(name) ?? ''}\n`;
  let digest = memo.get(key);
  if (digest === undefined) {
    digest = createHash('sha256').update(key).digest('hex').slice(0, DIGEST_HEX_LENGTH);
    if (memo.size >= MEMO_LIMIT) memo.clear();
    memo.set(key, digest);
  }
  return digest;
}
