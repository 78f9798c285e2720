// Small text layout helpers for human output.

/** Aligned `key  value` lines; rows with an undefined value are left out. */
export function keyValues(rows: ReadonlyArray<readonly [string, string | number | undefined]>, indent = ''): string {
  const shown = rows.filter((r): r is readonly [string, string | number] => r[1] !== undefined);
  const width = Math.max(0, ...shown.map(([k]) => k.length));
  return shown.map(([k, v]) => `${indent}${k.padEnd(width)}  ${v}`).join('\n');
}

/** A list under a heading, `(none)` when empty. */
export function listBlock(title: string, items: readonly string[], indent = '  '): string {
  if (items.length === 0) return `${title}: (none)`;
  return [`${title}:`, ...items.map((i) => `${indent}${i}`)].join('\n');
}

/** Text that may hold control characters, quoted for one line. */
export function quoteText(s: string, max = 200): string {
  const cut = s.length > max ? `${s.slice(0, max)}…` : s;
  return JSON.stringify(cut);
}
