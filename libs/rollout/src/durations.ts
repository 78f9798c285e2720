// Durations as people write them in a rollout (`30s`, `2m`, `1h30m`, `24h`, `2d`), held as whole seconds.
// A bare number means seconds (as in Argo Rollouts' pause steps), so a normalized spec parses again unchanged.
import { z } from 'zod';

const UNIT_SECONDS = { d: 86_400, h: 3_600, m: 60, s: 1 } as const;
const DURATION_RE = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/** The longest duration a rollout may ask for: 30 days. */
export const MAX_DURATION_SECONDS = 30 * 86_400;

/** `1h30m` → 5400; a number is taken as seconds. Returns an explanation instead when the text is not a duration. */
export function parseDuration(input: string | number): { seconds: number } | { error: string } {
  if (typeof input === 'number') {
    if (!Number.isInteger(input) || input < 0) return { error: `must be a whole number of seconds ≥ 0, got ${input}` };
    return { seconds: input };
  }
  const text = input.trim();
  const match = DURATION_RE.exec(text);
  if (text === '' || match === null) {
    return { error: `"${input.slice(0, 40)}" is not a duration; write it like 30s, 2m, 1h30m, 24h or 2d` };
  }
  const [, d, h, m, s] = match;
  const seconds =
    Number(d ?? 0) * UNIT_SECONDS.d + Number(h ?? 0) * UNIT_SECONDS.h + Number(m ?? 0) * UNIT_SECONDS.m + Number(s ?? 0);
  return { seconds };
}

/** 5400 → `1h30m`, 86400 → `24h` (hours are the largest unit printed); 0 → `0s`. Parses back to the same seconds. */
export function formatDuration(seconds: number): string {
  if (seconds <= 0) return '0s';
  let rest = Math.round(seconds);
  let text = '';
  for (const unit of ['h', 'm', 's'] as const) {
    const size = UNIT_SECONDS[unit];
    if (rest >= size) {
      text += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return text;
}

/** A duration field: text or seconds in, whole seconds out, between `minSeconds` and 30 days. */
export function durationSchema(minSeconds = 1) {
  return z.union([z.string(), z.number()]).transform((value, ctx) => {
    const parsed = parseDuration(value);
    if ('error' in parsed) {
      ctx.addIssue({ code: 'custom', message: parsed.error });
      return z.NEVER;
    }
    if (parsed.seconds < minSeconds || parsed.seconds > MAX_DURATION_SECONDS) {
      ctx.addIssue({
        code: 'custom',
        message: `must be between ${formatDuration(minSeconds)} and ${formatDuration(MAX_DURATION_SECONDS)}, got ${formatDuration(parsed.seconds)}`,
      });
      return z.NEVER;
    }
    return parsed.seconds;
  });
}
