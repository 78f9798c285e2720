// Percentages as people write them (`10%`, `0.5%`) or as plain numbers (10 means 10%), held as a number
// of percent. A normalized spec therefore parses again unchanged.
import { z } from 'zod';

const PERCENT_RE = /^(\d+(?:\.\d+)?)\s*%$/;

/** `10%` → 10; 10 → 10. Returns an explanation instead when the input is not a percentage. */
export function parsePercent(input: string | number): { percent: number } | { error: string } {
  if (typeof input === 'number') {
    return Number.isFinite(input) ? { percent: input } : { error: `must be a finite number, got ${input}` };
  }
  const match = PERCENT_RE.exec(input.trim());
  if (match === null) return { error: `"${input.slice(0, 40)}" is not a percentage; write it like 10% or 0.5%` };
  return { percent: Number(match[1]) };
}

/** 4.2 → `4.2%`; rounds to at most two decimals so messages stay readable. */
export function formatPercent(percent: number): string {
  return `${Number(percent.toFixed(2))}%`;
}

/** A percent field with bounds: `exclusiveMin` (e.g. 0 for a share of proxies) or `min`, and `max`. */
export function percentSchema(bounds: { min?: number; exclusiveMin?: number; max: number }) {
  return z.union([z.string(), z.number()]).transform((value, ctx) => {
    const parsed = parsePercent(value);
    if ('error' in parsed) {
      ctx.addIssue({ code: 'custom', message: parsed.error });
      return z.NEVER;
    }
    const p = parsed.percent;
    const tooLow =
      (bounds.exclusiveMin !== undefined && p <= bounds.exclusiveMin) || (bounds.min !== undefined && p < bounds.min);
    if (tooLow || p > bounds.max) {
      const low = bounds.exclusiveMin !== undefined ? `above ${bounds.exclusiveMin}%` : `at least ${bounds.min ?? 0}%`;
      ctx.addIssue({ code: 'custom', message: `must be ${low} and at most ${bounds.max}%, got ${formatPercent(p)}` });
      return z.NEVER;
    }
    return p;
  });
}
