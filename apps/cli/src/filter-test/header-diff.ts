// What a filter did to a header list: names added, removed, or whose values changed. Headers are compared by
// lower-cased name with all their values in order, so adding a second `set-cookie` shows as a change.

export interface HeaderChange {
  name: string;
  before: string[];
  after: string[];
}

export interface HeaderDiff {
  added: { name: string; value: string }[];
  removed: { name: string; value: string }[];
  changed: HeaderChange[];
}

function group(headers: ReadonlyArray<readonly [string, string]>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [k, v] of headers) {
    const name = k.toLowerCase();
    const list = out.get(name);
    if (list) list.push(v);
    else out.set(name, [v]);
  }
  return out;
}

export function diffHeaders(before: ReadonlyArray<readonly [string, string]>, after: ReadonlyArray<readonly [string, string]>): HeaderDiff {
  const a = group(before);
  const b = group(after);
  const diff: HeaderDiff = { added: [], removed: [], changed: [] };
  for (const [name, values] of b) {
    const old = a.get(name);
    if (!old) for (const value of values) diff.added.push({ name, value });
    else if (old.length !== values.length || old.some((v, i) => v !== values[i])) diff.changed.push({ name, before: old, after: values });
  }
  for (const [name, values] of a) if (!b.has(name)) for (const value of values) diff.removed.push({ name, value });
  return diff;
}

export function isEmptyDiff(d: HeaderDiff): boolean {
  return d.added.length === 0 && d.removed.length === 0 && d.changed.length === 0;
}
