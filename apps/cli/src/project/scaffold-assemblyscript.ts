// The files of a new AssemblyScript filter project (AssemblyScript 0.14 + @solo-io/proxy-runtime 0.1.8): a filter
// that adds one response header from its JSON configuration, a small JSON reader (AssemblyScript 0.14 has no JSON),
// the example filters' proxy_on_* glue, and a package.json pinning the exact toolchain versions for users outside a
// repository that has them.
import { readFileSync } from 'node:fs';
import { ASSEMBLYSCRIPT_VERSION, PROXY_RUNTIME_VERSION } from './assemblyscript-toolchain.js';
import type { ScaffoldInput } from './scaffold-common.js';

/**
 * The glue of examples/filters/shared/assembly, copied into dist/templates by the build (scripts/copy-as-glue.mjs).
 * The SDK's own exports build debug strings on every request and, in AssemblyScript 0.14, keep every stream
 * context alive (≈ 40 B a request): see examples/filters/README.md.
 */
const GLUE_FILES = ['exports.ts', 'contexts.ts', 'quiet-context.ts'] as const;

function glueFiles(): Record<string, string> {
  const dir = new URL('../templates/assemblyscript-glue/', import.meta.url);
  return Object.fromEntries(GLUE_FILES.map((file) => [`assembly/glue/${file}`, readFileSync(new URL(file, dir), 'utf8')]));
}

export function assemblyScriptFiles(p: ScaffoldInput): Record<string, string> {
  return {
    'package.json': `${JSON.stringify(
      {
        name: p.name,
        version: '0.1.0',
        private: true,
        description: `${p.name}: a proxy-wasm HTTP filter`,
        scripts: { build: 'wasmfleet build', test: 'wasmfleet filter test' },
        devDependencies: { assemblyscript: ASSEMBLYSCRIPT_VERSION, '@solo-io/proxy-runtime': PROXY_RUNTIME_VERSION },
      },
      null,
      2,
    )}\n`,
    'assembly/tsconfig.json': `${JSON.stringify({ extends: 'assemblyscript/std/assembly.json', include: ['./**/*.ts'] }, null, 2)}\n`,
    'assembly/index.ts': indexTs(p),
    'assembly/config.ts': CONFIG_TS,
    ...glueFiles(),
  };
}

function indexTs(p: ScaffoldInput): string {
  return `// ${p.name}: a proxy-wasm HTTP filter (AssemblyScript ${ASSEMBLYSCRIPT_VERSION}, @solo-io/proxy-runtime ${PROXY_RUNTIME_VERSION}).
//
// It adds one response header taken from the plugin configuration (JSON, every field optional):
//   ${JSON.stringify({ header: p.header, value: p.value })}
// A header name that is not an HTTP token, a value with CR/LF/NUL or malformed JSON makes
// proxy_on_configure return false, so the proxy rejects the configuration. Root id: ${p.rootId}.

// The proxy_on_* exports, malloc and proxy_abi_version_0_2_0 come from ./glue (not "@solo-io/proxy-runtime/proxy",
// whose exports format debug strings on every request and never free a stream context; see glue/contexts.ts).
export * from "./glue/exports";
import { RootContext, Context, FilterHeadersStatusValues, stream_context, log, LogLevelValues } from "@solo-io/proxy-runtime";
import { registerRoot } from "./glue/contexts";
import { QuietContext } from "./glue/quiet-context";
import { parseFlatJson, readPluginConfiguration, validHeaderName, validHeaderValue } from "./config";

const ROOT_ID = ${JSON.stringify(p.rootId)};
const DEFAULT_HEADER = ${JSON.stringify(p.header)};
const DEFAULT_VALUE = ${JSON.stringify(p.value)};

class FilterRoot extends RootContext {
  header: string = DEFAULT_HEADER;
  value: string = DEFAULT_VALUE;

  createContext(context_id: u32): Context {
    return new FilterStream(context_id, this);
  }

  // Overridden on purpose: the stock onConfigure of proxy-runtime 0.1.8 passes the configuration size where
  // proxy_get_buffer_bytes expects a pointer, so it reads garbage.
  onConfigure(configuration_size: u32): bool {
    let config = parseFlatJson(readPluginConfiguration(configuration_size));
    let header = config.get("header", DEFAULT_HEADER).toLowerCase();
    let value = config.get("value", DEFAULT_VALUE);
    if (config.ok && !validHeaderName(header)) config.fail('"header" must be a non-empty HTTP header name');
    if (config.ok && !validHeaderValue(value)) config.fail('"value" must not contain CR, LF or NUL');
    if (!config.ok) {
      log(LogLevelValues.error, ROOT_ID + ": rejected configuration: " + config.error);
      return false;
    }
    this.header = header;
    this.value = value;
    log(LogLevelValues.info, ROOT_ID + ": adding response header " + header + ": " + value);
    return true;
  }
}

// QuietContext: the SDK's default end-of-stream hooks log a debug line per request.
class FilterStream extends QuietContext {
  settings: FilterRoot;

  constructor(context_id: u32, root_context: FilterRoot) {
    super(context_id, root_context);
    this.settings = root_context;
  }

  onResponseHeaders(headers: u32, end_of_stream: bool): FilterHeadersStatusValues {
    stream_context.headers.response.add(this.settings.header, this.settings.value);
    return FilterHeadersStatusValues.Continue;
  }
}

function createRoot(context_id: u32): RootContext {
  return new FilterRoot(context_id);
}

registerRoot(createRoot, ROOT_ID);
// Also answer proxies that leave the root id empty.
registerRoot(createRoot, "");
`;
}

const CONFIG_TS = `// Reading the plugin configuration as a flat JSON object, e.g. {"header": "x-a", "value": "b", "limit": 3}.
// AssemblyScript 0.14 has no JSON in its standard library. Members hold strings, numbers, true, false or null
// (null means "use the default"); nested objects and arrays are refused. get() answers a number or boolean as
// its JSON text.

import { get_buffer_bytes, BufferTypeValues } from "@solo-io/proxy-runtime/runtime";

export class FlatConfig {
  values: Map<string, string> = new Map<string, string>();
  error: string = "";

  get ok(): bool {
    return this.error.length == 0;
  }

  fail(message: string): void {
    if (this.error.length == 0) this.error = message;
  }

  get(key: string, fallback: string): string {
    return this.values.has(key) ? this.values.get(key) : fallback;
  }
}

/** The configuration handed to proxy_on_configure (buffer PLUGIN_CONFIGURATION = 7), "" when empty. */
export function readPluginConfiguration(size: u32): string {
  if (size == 0) return "";
  return String.UTF8.decode(get_buffer_bytes(BufferTypeValues.PluginConfiguration, 0, size));
}

/** Empty or blank text is an empty object (all defaults). */
export function parseFlatJson(text: string): FlatConfig {
  let config = new FlatConfig();
  let p = new Scanner(text);
  p.ws();
  if (p.done()) return config;
  if (!p.eat(0x7b)) {
    config.fail("configuration must be a JSON object");
    return config;
  }
  p.ws();
  if (!p.eat(0x7d)) {
    while (p.error.length == 0) {
      p.ws();
      let key = p.str();
      p.ws();
      if (!p.eat(0x3a)) p.fail("expected ':'");
      p.ws();
      if (p.peek() == 0x6e) {
        p.word("null");
      } else {
        let value = p.scalar();
        if (p.error.length == 0) config.values.set(key, value);
      }
      p.ws();
      if (p.eat(0x2c)) continue;
      if (!p.eat(0x7d)) p.fail("expected ',' or '}'");
      break;
    }
  }
  p.ws();
  if (p.error.length == 0 && !p.done()) p.fail("unexpected text after the object");
  if (p.error.length != 0) config.fail("invalid JSON: " + p.error);
  return config;
}

/** RFC 9110 token: letters, digits and ! # $ % & ' * + - . ^ _ \` | ~ */
export function validHeaderName(name: string): bool {
  if (name.length == 0) return false;
  for (let i = 0; i < name.length; i++) {
    let c = name.charCodeAt(i);
    let alnum = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
    let special = c == 0x21 || (c >= 0x23 && c <= 0x27) || c == 0x2a || c == 0x2b || c == 0x2d || c == 0x2e ||
      c == 0x5e || c == 0x5f || c == 0x60 || c == 0x7c || c == 0x7e;
    if (!alnum && !special) return false;
  }
  return true;
}

export function validHeaderValue(value: string): bool {
  for (let i = 0; i < value.length; i++) {
    let c = value.charCodeAt(i);
    if (c == 0x0d || c == 0x0a || c == 0x00) return false;
  }
  return true;
}

class Scanner {
  s: string;
  i: i32 = 0;
  error: string = "";

  constructor(s: string) {
    this.s = s;
  }

  done(): bool {
    return this.i >= this.s.length;
  }

  peek(): i32 {
    return this.i < this.s.length ? this.s.charCodeAt(this.i) : -1;
  }

  fail(why: string): void {
    if (this.error.length == 0) this.error = why + " at offset " + this.i.toString();
  }

  ws(): void {
    while (!this.done()) {
      let c = this.peek();
      if (c == 0x20 || c == 0x09 || c == 0x0a || c == 0x0d) this.i++;
      else break;
    }
  }

  eat(c: i32): bool {
    if (this.peek() != c) return false;
    this.i++;
    return true;
  }

  word(w: string): void {
    if (this.s.substr(this.i, w.length) == w) this.i += w.length;
    else this.fail("invalid literal");
  }

  hex(c: i32): i32 {
    if (c >= 0x30 && c <= 0x39) return c - 0x30;
    if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
    if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
    return -1;
  }

  str(): string {
    if (!this.eat(0x22)) {
      this.fail("expected a string");
      return "";
    }
    let out = "";
    while (this.error.length == 0) {
      if (this.done()) {
        this.fail("unterminated string");
        break;
      }
      let c = this.peek();
      this.i++;
      if (c == 0x22) return out;
      if (c < 0x20) {
        this.fail("control character in a string");
        break;
      }
      if (c != 0x5c) {
        out += String.fromCharCode(c);
        continue;
      }
      let e = this.peek();
      this.i++;
      if (e == 0x22 || e == 0x5c || e == 0x2f) out += String.fromCharCode(e);
      else if (e == 0x62) out += "\\b";
      else if (e == 0x66) out += "\\f";
      else if (e == 0x6e) out += "\\n";
      else if (e == 0x72) out += "\\r";
      else if (e == 0x74) out += "\\t";
      else if (e == 0x75) {
        let code = 0;
        for (let k = 0; k < 4; k++) {
          let d = this.hex(this.peek());
          if (d < 0) {
            this.fail("bad \\\\u escape");
            return "";
          }
          code = (code << 4) | d;
          this.i++;
        }
        out += String.fromCharCode(code);
      } else {
        this.fail("bad escape");
      }
    }
    return "";
  }

  /** A string's content, or the JSON text of a number, true or false. */
  scalar(): string {
    let c = this.peek();
    if (c == 0x22) return this.str();
    if (c == 0x7b || c == 0x5b) {
      this.fail("nested objects and arrays are not supported");
      return "";
    }
    let start = this.i;
    while (!this.done()) {
      let d = this.peek();
      if (d == 0x2c || d == 0x7d || d == 0x20 || d == 0x09 || d == 0x0a || d == 0x0d) break;
      this.i++;
    }
    let raw = this.s.substring(start, this.i);
    if (raw == "true" || raw == "false" || isJsonNumber(raw)) return raw;
    this.fail("invalid value");
    return "";
  }
}

function isJsonNumber(s: string): bool {
  let i = 0;
  let n = s.length;
  if (i < n && s.charCodeAt(i) == 0x2d) i++;
  let digits = 0;
  while (i < n && isDigit(s.charCodeAt(i))) { i++; digits++; }
  if (digits == 0) return false;
  if (i < n && s.charCodeAt(i) == 0x2e) {
    i++;
    digits = 0;
    while (i < n && isDigit(s.charCodeAt(i))) { i++; digits++; }
    if (digits == 0) return false;
  }
  if (i < n && (s.charCodeAt(i) == 0x65 || s.charCodeAt(i) == 0x45)) {
    i++;
    if (i < n && (s.charCodeAt(i) == 0x2b || s.charCodeAt(i) == 0x2d)) i++;
    digits = 0;
    while (i < n && isDigit(s.charCodeAt(i))) { i++; digits++; }
    if (digits == 0) return false;
  }
  return i == n;
}

function isDigit(c: i32): bool {
  return c >= 0x30 && c <= 0x39;
}
`;
