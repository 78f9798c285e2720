// An ordered, case-insensitive header map with Envoy's semantics for the proxy-wasm map calls:
// names are stored lower-case, `get` answers the first value, `replace` overwrites the first entry and
// drops the others, `remove` drops every entry of the name.

import type { HeaderPairs } from './pairs-codec.js';

export class HeaderMap {
  /** Bumped on every change, so callers can tell whether the filter touched the map. */
  version = 0;

  constructor(public entries: HeaderPairs = []) {}

  get(name: string): string | undefined {
    const key = name.toLowerCase();
    for (const [k, v] of this.entries) if (k === key) return v;
    return undefined;
  }

  add(name: string, value: string): void {
    this.entries.push([name.toLowerCase(), value]);
    this.version++;
  }

  replace(name: string, value: string): void {
    const key = name.toLowerCase();
    const first = this.entries.findIndex(([k]) => k === key);
    if (first < 0) {
      this.entries.push([key, value]);
    } else {
      this.entries[first] = [key, value];
      this.entries = this.entries.filter(([k], i) => i <= first || k !== key);
    }
    this.version++;
  }

  remove(name: string): void {
    const key = name.toLowerCase();
    this.entries = this.entries.filter(([k]) => k !== key);
    this.version++;
  }

  setAll(pairs: HeaderPairs): void {
    this.entries = pairs.map(([k, v]) => [k.toLowerCase(), v]);
    this.version++;
  }

  /** Envoy's HeaderMap::byteSize: the bytes of every name and value. */
  byteSize(): number {
    let size = 0;
    for (const [k, v] of this.entries) size += k.length + v.length;
    return size;
  }
}
