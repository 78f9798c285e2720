// Registry authentication: anonymous first; on a 401 the WWW-Authenticate challenge says Basic (send the
// credentials) or Bearer (ask the token server at `realm` for a token for `service` and the scopes needed,
// with the credentials as Basic auth, or anonymously). Tokens are kept per scope set until they expire.
import { lookupCredential, type Credential, type CredentialSource } from './credentials.js';
import { OciError } from './errors.js';
import type { HttpResponse, HttpTransport } from './http-transport.js';

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/**
 * Parses a WWW-Authenticate value: `Bearer realm="https://auth/token",service="reg",scope="repository:a/b:pull"`.
 * Several challenges may share one header (`Basic realm="x", Bearer realm="y"`); quoted values may hold commas
 * and backslash escapes.
 */
export function parseWwwAuthenticate(header: string): Challenge[] {
  const challenges: Challenge[] = [];
  let i = 0;
  const skip = (chars: string) => {
    while (i < header.length && chars.includes(header[i]!)) i++;
  };
  const token = () => {
    const start = i;
    while (i < header.length && !' \t,="'.includes(header[i]!)) i++;
    return header.slice(start, i);
  };
  while (i < header.length) {
    skip(' \t,');
    const name = token();
    if (!name) {
      i++; // a stray character: step over it
      continue;
    }
    skip(' \t');
    if (header[i] !== '=') {
      challenges.push({ scheme: name.toLowerCase(), params: {} });
      continue;
    }
    i++;
    skip(' \t');
    let value = '';
    if (header[i] === '"') {
      for (i++; i < header.length && header[i] !== '"'; i++) value += header[i] === '\\' ? header[++i] ?? '' : header[i];
      i++;
    } else {
      value = token();
    }
    const current = challenges.at(-1);
    if (current) current.params[name.toLowerCase()] = value;
  }
  return challenges;
}

interface CachedToken {
  token: string;
  expiresAt: number;
}

const MIN_TOKEN_LIFETIME_S = 60;

export class RegistryAuth {
  private scheme: 'none' | 'basic' | 'bearer' = 'none';
  private realm = '';
  private service: string | undefined;
  private readonly tokens = new Map<string, CachedToken>();
  private credential: Promise<Credential | undefined> | undefined;

  constructor(
    readonly registry: string,
    private readonly transport: HttpTransport,
    private readonly credentials: CredentialSource | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** The Authorization header to send for these scopes, when one is already known. */
  async header(scopes: readonly string[]): Promise<string | undefined> {
    if (this.scheme === 'basic') {
      const c = await this.credentialOnce();
      return c ? basic(c) : undefined;
    }
    if (this.scheme === 'bearer') {
      const cached = this.tokens.get(scopeKey(scopes));
      if (cached && cached.expiresAt > this.now()) return `Bearer ${cached.token}`;
      return `Bearer ${await this.fetchToken(scopes)}`;
    }
    return undefined;
  }

  /**
   * Learns from a 401. Returns true when a retry with new credentials makes sense, or throws 'unauthorized'
   * with what to do.
   */
  async onUnauthorized(res: HttpResponse, scopes: readonly string[], sentAuthorization: boolean, detail: string): Promise<true> {
    const challenges = parseWwwAuthenticate(res.headerAll('www-authenticate').join(', '));
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    const basicChallenge = challenges.find((c) => c.scheme === 'basic');
    const credential = await this.credentialOnce();
    if (bearer?.params.realm) {
      const first = this.scheme !== 'bearer' || this.realm !== bearer.params.realm;
      this.scheme = 'bearer';
      this.realm = bearer.params.realm;
      this.service = bearer.params.service;
      this.tokens.delete(scopeKey(scopes));
      if (first || !sentAuthorization) return true;
      const why = bearer.params.error === 'insufficient_scope' ? `the token lacks ${scopes.join(' ')}` : 'the token was refused';
      throw this.unauthorized(res, credential, `${why}${detail}`);
    }
    if (basicChallenge) {
      if (credential && !(this.scheme === 'basic' && sentAuthorization)) {
        this.scheme = 'basic';
        return true;
      }
      throw this.unauthorized(res, credential, credential ? `the credentials for ${this.registry} were refused${detail}` : `no credentials for ${this.registry}${detail}`);
    }
    throw this.unauthorized(res, credential, `the registry asks for an authentication scheme this client does not speak (${challenges.map((c) => c.scheme).join(', ') || 'none given'})${detail}`);
  }

  private unauthorized(res: HttpResponse, credential: Credential | undefined, why: string): OciError {
    const todo = credential ? `check the credentials, or run \`wasmfleet login ${this.registry}\` again` : `run \`wasmfleet login ${this.registry}\``;
    return new OciError('unauthorized', `registry answered ${res.status} for ${res.method} ${res.url.pathname}: ${why}. To fix: ${todo}`, {
      status: res.status,
      url: res.url.href,
    });
  }

  private credentialOnce(): Promise<Credential | undefined> {
    this.credential ??= lookupCredential(this.credentials, this.registry);
    return this.credential;
  }

  private async fetchToken(scopes: readonly string[]): Promise<string> {
    const url = new URL(this.realm);
    if (this.service) url.searchParams.set('service', this.service);
    for (const s of scopes) url.searchParams.append('scope', s);
    const credential = await this.credentialOnce();
    const res = await this.transport.send({
      method: 'GET',
      url,
      headers: { accept: 'application/json', ...(credential ? { authorization: basic(credential) } : {}) },
    });
    if (res.status === 401 || res.status === 403) {
      await res.drain();
      const todo = credential ? `check the credentials, or run \`wasmfleet login ${this.registry}\` again` : `run \`wasmfleet login ${this.registry}\``;
      throw new OciError('unauthorized', `token server ${url.host} answered ${res.status} for ${scopes.join(' ')}: ${todo}`, { status: res.status, url: url.href });
    }
    if (res.status !== 200) {
      const body = await res.text().catch(() => '');
      throw new OciError('registry-error', `token server ${url.host} answered ${res.status} ${res.statusText}${body ? `: ${body.slice(0, 200)}` : ''}: try again later`, {
        status: res.status,
      });
    }
    let parsed: { token?: string; access_token?: string; expires_in?: number };
    try {
      parsed = JSON.parse(await res.text());
    } catch {
      throw new OciError('registry-error', `token server ${url.host} answered something that is not JSON: check the realm ${this.realm}`);
    }
    const token = parsed.token ?? parsed.access_token;
    if (!token) throw new OciError('registry-error', `token server ${url.host} answered without a token: check the realm ${this.realm}`);
    const lifetime = Math.max(Number(parsed.expires_in) || MIN_TOKEN_LIFETIME_S, MIN_TOKEN_LIFETIME_S);
    // Renew a little early so a token never expires between check and use.
    this.tokens.set(scopeKey(scopes), { token, expiresAt: this.now() + (lifetime - 10) * 1000 });
    return token;
  }
}

function basic(c: Credential): string {
  return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
}

function scopeKey(scopes: readonly string[]): string {
  return [...scopes].sort().join(' ');
}
