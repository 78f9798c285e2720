// Shared helpers for the AssemblyScript example filters (AssemblyScript 0.14 source, not Node TypeScript).
//
// AssemblyScript 0.14 has no JSON in its standard library, so this file holds a small parser for the
// flat configuration objects the examples take, e.g. {"header": "x-a", "value": "b"}. It understands the
// whole JSON grammar; nested objects and arrays are accepted and skipped (none of the filters reads them).
//
// It also reads the plugin configuration with correct out-pointers: the stock RootContext.onConfigure of
// @solo-io/proxy-runtime 0.1.8 passes `configuration_size` where the ABI expects a pointer for the returned
// size, so our filters override onConfigure and use `readPluginConfiguration` instead.

import { get_buffer_bytes, BufferTypeValues } from "@solo-io/proxy-runtime/runtime";

export const KIND_NULL: i32 = 0;
export const KIND_BOOL: i32 = 1;
export const KIND_NUMBER: i32 = 2;
export const KIND_STRING: i32 = 3;
export const KIND_OTHER: i32 = 4; // object or array (skipped)

export class ConfigField {
  key: string;
  kind: i32;
  str: string = "";
  num: f64 = 0;
  flag: bool = false;

  constructor(key: string, kind: i32) {
    this.key = key;
    this.kind = kind;
  }
}

/** A parsed top-level JSON object. Typed getters record type errors in `error`. */
export class Config {
  fields: Array<ConfigField> = new Array<ConfigField>();
  error: string = "";

  get ok(): bool {
    return this.error.length == 0;
  }

  fail(message: string): void {
    if (this.error.length == 0) this.error = message;
  }

  find(key: string): ConfigField | null {
    // Last one wins, as in JavaScript's JSON.parse.
    for (let i = this.fields.length - 1; i >= 0; i--) {
      let f = this.fields[i];
      if (f.key == key) return f;
    }
    return null;
  }

  /** Missing or null -> fallback; any other non-string -> error. */
  getString(key: string, fallback: string): string {
    let f = this.find(key);
    if (f === null) return fallback;
    let field = f;
    if (field.kind == KIND_NULL) return fallback;
    if (field.kind != KIND_STRING) {
      this.fail('"' + key + '" must be a string');
      return fallback;
    }
    return field.str;
  }

  /** Missing or null -> fallback; any other non-number -> error. */
  getNumber(key: string, fallback: f64): f64 {
    let f = this.find(key);
    if (f === null) return fallback;
    let field = f;
    if (field.kind == KIND_NULL) return fallback;
    if (field.kind != KIND_NUMBER) {
      this.fail('"' + key + '" must be a number');
      return fallback;
    }
    return field.num;
  }

  /** Missing or null -> fallback; any other non-boolean -> error. */
  getBool(key: string, fallback: bool): bool {
    let f = this.find(key);
    if (f === null) return fallback;
    let field = f;
    if (field.kind == KIND_NULL) return fallback;
    if (field.kind != KIND_BOOL) {
      this.fail('"' + key + '" must be true or false');
      return fallback;
    }
    return field.flag;
  }
}

const MAX_DEPTH: i32 = 64;

class Parser {
  s: string;
  i: i32 = 0;
  error: string = "";

  constructor(s: string) {
    this.s = s;
  }

  fail(message: string): void {
    if (this.error.length == 0) this.error = message + " at offset " + this.i.toString();
  }

  atEnd(): bool {
    return this.i >= this.s.length;
  }

  peek(): i32 {
    return this.i < this.s.length ? this.s.charCodeAt(this.i) : -1;
  }

  skipWs(): void {
    while (this.i < this.s.length) {
      let c = this.s.charCodeAt(this.i);
      if (c == 0x20 || c == 0x09 || c == 0x0a || c == 0x0d) this.i++;
      else break;
    }
  }

  expect(c: i32): bool {
    if (this.peek() == c) {
      this.i++;
      return true;
    }
    this.fail("expected '" + String.fromCharCode(c) + "'");
    return false;
  }

  literal(word: string): bool {
    if (this.s.substr(this.i, word.length) == word) {
      this.i += word.length;
      return true;
    }
    this.fail("invalid literal");
    return false;
  }

  hexDigit(c: i32): i32 {
    if (c >= 0x30 && c <= 0x39) return c - 0x30;
    if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
    if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
    return -1;
  }

  /** Parses a string starting at the opening quote. Returns "" and sets error on failure. */
  parseString(): string {
    if (!this.expect(0x22)) return "";
    let out = "";
    let start = this.i;
    while (true) {
      if (this.atEnd()) {
        this.fail("unterminated string");
        return "";
      }
      let c = this.s.charCodeAt(this.i);
      if (c == 0x22) {
        out += this.s.substring(start, this.i);
        this.i++;
        return out;
      }
      if (c < 0x20) {
        this.fail("control character in string");
        return "";
      }
      if (c != 0x5c) {
        this.i++;
        continue;
      }
      // Backslash escape.
      out += this.s.substring(start, this.i);
      this.i++;
      if (this.atEnd()) {
        this.fail("unterminated escape");
        return "";
      }
      let e = this.s.charCodeAt(this.i);
      this.i++;
      if (e == 0x22) out += '"';
      else if (e == 0x5c) out += "\\";
      else if (e == 0x2f) out += "/";
      else if (e == 0x62) out += "\b";
      else if (e == 0x66) out += "\f";
      else if (e == 0x6e) out += "\n";
      else if (e == 0x72) out += "\r";
      else if (e == 0x74) out += "\t";
      else if (e == 0x75) {
        if (this.i + 4 > this.s.length) {
          this.fail("short \\u escape");
          return "";
        }
        let code = 0;
        for (let k = 0; k < 4; k++) {
          let d = this.hexDigit(this.s.charCodeAt(this.i + k));
          if (d < 0) {
            this.fail("bad \\u escape");
            return "";
          }
          code = (code << 4) | d;
        }
        this.i += 4;
        out += String.fromCharCode(code); // UTF-16 code unit; surrogate pairs combine naturally
      } else {
        this.fail("bad escape");
        return "";
      }
      start = this.i;
    }
    return out; // unreachable, keeps the compiler happy
  }

  isDigit(c: i32): bool {
    return c >= 0x30 && c <= 0x39;
  }

  /** Validates the JSON number grammar, then converts with parseFloat. */
  parseNumber(): f64 {
    let start = this.i;
    if (this.peek() == 0x2d) this.i++;
    if (this.peek() == 0x30) {
      this.i++;
    } else if (this.isDigit(this.peek())) {
      while (this.isDigit(this.peek())) this.i++;
    } else {
      this.fail("invalid number");
      return 0;
    }
    if (this.peek() == 0x2e) {
      this.i++;
      if (!this.isDigit(this.peek())) {
        this.fail("invalid number");
        return 0;
      }
      while (this.isDigit(this.peek())) this.i++;
    }
    if (this.peek() == 0x65 || this.peek() == 0x45) {
      this.i++;
      if (this.peek() == 0x2b || this.peek() == 0x2d) this.i++;
      if (!this.isDigit(this.peek())) {
        this.fail("invalid number");
        return 0;
      }
      while (this.isDigit(this.peek())) this.i++;
    }
    return parseFloat(this.s.substring(start, this.i));
  }

  /** Parses any value into `field` (top level) or just skips it (field == null). */
  parseValue(field: ConfigField | null, depth: i32): void {
    if (depth > MAX_DEPTH) {
      this.fail("nesting too deep");
      return;
    }
    this.skipWs();
    let c = this.peek();
    if (c == 0x22) {
      let v = this.parseString();
      if (field !== null) {
        field.kind = KIND_STRING;
        field.str = v;
      }
    } else if (c == 0x74) {
      if (this.literal("true") && field !== null) {
        field.kind = KIND_BOOL;
        field.flag = true;
      }
    } else if (c == 0x66) {
      if (this.literal("false") && field !== null) {
        field.kind = KIND_BOOL;
        field.flag = false;
      }
    } else if (c == 0x6e) {
      if (this.literal("null") && field !== null) field.kind = KIND_NULL;
    } else if (c == 0x2d || this.isDigit(c)) {
      let n = this.parseNumber();
      if (field !== null) {
        field.kind = KIND_NUMBER;
        field.num = n;
      }
    } else if (c == 0x7b) {
      if (field !== null) field.kind = KIND_OTHER;
      this.skipObject(depth + 1);
    } else if (c == 0x5b) {
      if (field !== null) field.kind = KIND_OTHER;
      this.skipArray(depth + 1);
    } else {
      this.fail("unexpected character");
    }
  }

  skipObject(depth: i32): void {
    this.parseMembers(null, depth);
  }

  skipArray(depth: i32): void {
    if (!this.expect(0x5b)) return;
    this.skipWs();
    if (this.peek() == 0x5d) {
      this.i++;
      return;
    }
    while (this.error.length == 0) {
      this.parseValue(null, depth);
      this.skipWs();
      if (this.peek() == 0x2c) {
        this.i++;
        continue;
      }
      this.expect(0x5d);
      return;
    }
  }

  /** Parses `{ "k": v, ... }`; records members in `into` when given. */
  parseMembers(into: Config | null, depth: i32): void {
    this.skipWs();
    if (!this.expect(0x7b)) return;
    this.skipWs();
    if (this.peek() == 0x7d) {
      this.i++;
      return;
    }
    while (this.error.length == 0) {
      this.skipWs();
      let key = this.parseString();
      if (this.error.length != 0) return;
      this.skipWs();
      if (!this.expect(0x3a)) return;
      if (into !== null) {
        let field = new ConfigField(key, KIND_NULL);
        this.parseValue(field, depth);
        into.fields.push(field);
      } else {
        this.parseValue(null, depth);
      }
      if (this.error.length != 0) return;
      this.skipWs();
      if (this.peek() == 0x2c) {
        this.i++;
        continue;
      }
      this.expect(0x7d);
      return;
    }
  }
}

/**
 * Parses a plugin configuration. Empty or whitespace-only text is an empty object (all defaults).
 * Anything other than one JSON object sets `error`.
 */
export function parseConfig(text: string): Config {
  let config = new Config();
  let p = new Parser(text);
  p.skipWs();
  if (p.atEnd()) return config;
  if (p.peek() != 0x7b) {
    config.fail("configuration must be a JSON object");
    return config;
  }
  p.parseMembers(config, 1);
  if (p.error.length == 0) {
    p.skipWs();
    if (!p.atEnd()) p.fail("trailing characters after the JSON object");
  }
  if (p.error.length != 0) config.fail("invalid JSON: " + p.error);
  return config;
}

/**
 * Reads the plugin configuration (buffer type PLUGIN_CONFIGURATION = 7) handed to proxy_on_configure.
 * Returns null when the host reports a size but returns no bytes.
 */
export function readPluginConfiguration(configuration_size: u32): string | null {
  if (configuration_size == 0) return "";
  let bytes = get_buffer_bytes(BufferTypeValues.PluginConfiguration, 0, configuration_size);
  if (bytes.byteLength == 0) return null;
  return String.UTF8.decode(bytes);
}
