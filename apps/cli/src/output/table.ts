// Column-aligned tables for list output (kubectl style): a header row, columns three spaces apart, the last
// column never padded. Cells are single lines; control characters a server might send are shown escaped.

const printable = (s: string) => s.replace(/[\u0000-\u001f\u007f]/g, (c) => JSON.stringify(c).slice(1, -1));

export function table(headers: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number | undefined | null>>): string {
  const cells = [headers.map(String), ...rows.map((r) => headers.map((_, i) => printable(String(r[i] ?? ''))))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  return cells
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
        .join('   ')
        .trimEnd(),
    )
    .join('\n');
}
