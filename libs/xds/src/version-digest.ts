// The version_info / system_version_info of a response: a digest of what the client holds, so two streams
// holding the same resources at the same versions report the same version string.
import { createHash } from 'node:crypto';

const DIGEST_HEX_LENGTH = 16;

/** sha256 over the name→version pairs sorted by name; short hex. */
export function digestVersions(versions: ReadonlyMap<string, string>): string {
  const names = [...versions.keys()].sort();
  const hash = createHash('sha256');
  for (const name of names) {
    // NUL and LF cannot appear in resource names or versions we produce, so the encoding is unambiguous.
    hash.update(name).update('\0').update(versions.get(name) ?? '').update('\n');
  }
  return hash.digest('hex').slice(0, DIGEST_HEX_LENGTH);
}
