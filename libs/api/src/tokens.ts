// API tokens: who may call the server, with which roles. The same schemas serve REST, the CLI and the dashboard.
import { z } from 'zod';

/** viewer reads; operator changes slots and drives rollouts; approver passes approval gates; admin does all. */
export const ROLE_NAMES = ['viewer', 'operator', 'approver', 'admin'] as const;
export type RoleName = (typeof ROLE_NAMES)[number];
export const RoleSchema = z.enum(ROLE_NAMES);

/** The longest a token may live: one year. Tokens without expiresIn/expiresAt never expire. */
export const MAX_TOKEN_LIFETIME_SECONDS = 366 * 86_400;

const UNIT_SECONDS = { d: 86_400, h: 3_600, m: 60, s: 1 } as const;
const DURATION_RE = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/** `30d`, `12h`, `1h30m`, `1s` → seconds; undefined when the text is not such a duration. */
export function parseTokenLifetime(text: string): number | undefined {
  const match = DURATION_RE.exec(text.trim());
  if (!match || text.trim() === '') return undefined;
  const [, d, h, m, s] = match;
  return Number(d ?? 0) * UNIT_SECONDS.d + Number(h ?? 0) * UNIT_SECONDS.h + Number(m ?? 0) * UNIT_SECONDS.m + Number(s ?? 0);
}

const lifetime = z.string().transform((text, ctx) => {
  const seconds = parseTokenLifetime(text);
  if (seconds === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${text.slice(0, 40)}" is not a duration; write it like 30d, 12h, 90m or 1h30m` });
    return z.NEVER;
  }
  if (seconds < 1 || seconds > MAX_TOKEN_LIFETIME_SECONDS) {
    ctx.addIssue({ code: 'custom', message: `must be between 1s and ${MAX_TOKEN_LIFETIME_SECONDS / 86_400}d` });
    return z.NEVER;
  }
  return seconds;
});

export const TokenNameSchema = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(128, 'must be at most 128 characters')
  .regex(/^[^\p{Cc}]*$/u, 'must not contain control characters');

export const CreateTokenRequestSchema = z
  .object({
    /** What the token is for, e.g. "ci-deployer" or "alice"; shown in audit entries. */
    name: TokenNameSchema,
    roles: z
      .array(RoleSchema)
      .min(1, `give at least one role of ${ROLE_NAMES.join(', ')}`)
      .max(ROLE_NAMES.length)
      .refine((roles) => new Set(roles).size === roles.length, 'must not repeat a role'),
    /** Lifetime from now, e.g. "30d"; held as seconds. */
    expiresIn: lifetime.optional(),
    /** Or an absolute expiry (ISO 8601 with offset); must lie in the future. */
    expiresAt: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time, e.g. 2030-01-31T00:00:00Z' }).optional(),
  })
  .strict()
  .refine((r) => r.expiresIn === undefined || r.expiresAt === undefined, { message: 'give expiresIn or expiresAt, not both', path: ['expiresAt'] });
export type CreateTokenRequest = z.output<typeof CreateTokenRequestSchema>;

/** A token as listed: never its secret. */
export interface ApiTokenInfo {
  id: string;
  name: string;
  roles: RoleName[];
  /** Principal id of the admin who created it ('admin' for the bootstrap token). */
  createdBy: string;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
}

/** The answer to a create: the only time `token` is ever shown. */
export interface CreatedApiToken extends ApiTokenInfo {
  token: string;
}

/** Who the presented token belongs to. */
export interface WhoAmI {
  id: string;
  name: string;
  roles: RoleName[];
}
