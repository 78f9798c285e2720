// Content digests (`sha256:<hex>`): parsing, and hashing as bytes stream past so nothing unverified is kept.
import crypto from 'node:crypto';
import { OciError } from './errors.js';

const DIGEST_RE = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;
const SHA256_HEX_RE = /^[a-f0-9]{64}$/;

export function isDigest(s: string): boolean {
  return DIGEST_RE.test(s);
}

/** Checks a `sha256:<hex>` / `sha512:<hex>` digest and returns it; `what` names it in the error. */
export function parseDigest(s: string, what = 'digest'): string {
  if (!DIGEST_RE.test(s)) {
    throw new OciError('invalid-reference', `${what} "${s}" is not a digest: expected sha256: followed by 64 lowercase hex digits`);
  }
  return s;
}

/** Accepts a bare 64-hex sha256 or `sha256:<hex>`; returns the bare hex (lowercased). */
export function parseSha256Hex(s: string, what = 'sha256'): string {
  const hex = s.toLowerCase().replace(/^sha256:/, '');
  if (!SHA256_HEX_RE.test(hex)) {
    throw new OciError('invalid-reference', `${what} "${s}" is not a sha256: expected 64 hex digits`);
  }
  return hex;
}

export function sha256Hex(data: Uint8Array): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

export function sha256Digest(data: Uint8Array): string {
  return `sha256:${sha256Hex(data)}`;
}

/** Hashes chunks with the digest's algorithm; `matches()` compares with the expected digest at the end. */
export class DigestVerifier {
  private readonly hash: crypto.Hash;
  private readonly algorithm: string;
  constructor(readonly expected: string) {
    this.algorithm = parseDigest(expected).split(':')[0]!;
    this.hash = crypto.createHash(this.algorithm);
  }
  update(chunk: Uint8Array): void {
    this.hash.update(chunk);
  }
  /** The digest of everything seen, as `algo:hex`. Call once. */
  actual(): string {
    return `${this.algorithm}:${this.hash.digest('hex')}`;
  }
}
