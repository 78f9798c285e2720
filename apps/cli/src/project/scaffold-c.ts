// The files of a new C filter project: one C file with no SDK and no libc (proxy-wasm ABI 0.2.1), built by
// clang-14 + wasm-ld-14. It adds one response header from its JSON configuration, like the AssemblyScript one.
import type { ScaffoldInput } from './scaffold-common.js';

export function cFiles(p: ScaffoldInput): Record<string, string> {
  return { 'src/filter.c': filterC(p) };
}

function filterC(p: ScaffoldInput): string {
  return `/*
 * ${p.name}: a proxy-wasm HTTP filter in plain C (no SDK, no libc), proxy-wasm ABI 0.2.1.
 *
 * It adds one response header taken from the plugin configuration (JSON, every field optional):
 *   ${JSON.stringify({ header: p.header, value: p.value })}
 * Malformed JSON, a header name that is not an HTTP token or a value with CR/LF/NUL makes
 * proxy_on_configure return 0, so the proxy rejects the configuration. Root id: ${p.rootId} (any root id works).
 *
 * Build: \`wasmfleet build\` runs clang-14 --target=wasm32 -nostdlib -O2 -c, then wasm-ld-14 --no-entry.
 * Exports are named with export_name; host functions are imported from module "env".
 */

typedef __SIZE_TYPE__ size_t;
typedef __UINT8_TYPE__ uint8_t;
typedef __UINT32_TYPE__ uint32_t;
typedef __UINTPTR_TYPE__ uintptr_t;

#define IMPORT(name) __attribute__((import_module("env"), import_name(#name)))
#define EXPORT(name) __attribute__((export_name(#name)))

/* ---- host functions (proxy-wasm ABI 0.2.1) ---- */

enum { LOG_INFO = 2, LOG_ERROR = 4 };
enum { RESULT_OK = 0 };
enum { BUFFER_PLUGIN_CONFIGURATION = 7 };
enum { MAP_RESPONSE_HEADERS = 2 };
enum { ACTION_CONTINUE = 0 };

IMPORT(proxy_log)
uint32_t proxy_log(uint32_t level, const char *message, size_t message_size);

IMPORT(proxy_get_buffer_bytes)
uint32_t proxy_get_buffer_bytes(uint32_t buffer_type, uint32_t start, uint32_t max_size, char **data, size_t *size);

IMPORT(proxy_add_header_map_value)
uint32_t proxy_add_header_map_value(uint32_t map_type, const char *key, size_t key_size, const char *value, size_t value_size);

/* ---- memory: the host hands data to the module through malloc; freed blocks are reused ---- */

extern uint8_t __heap_base; /* from wasm-ld: the first byte after data and stack */

typedef struct block {
  size_t size;        /* payload bytes, a multiple of 8 */
  struct block *next; /* free-list link while free */
} block;

static uintptr_t heap_top;
static block *free_list;

EXPORT(malloc)
void *malloc(size_t size) {
  if (size > 0x40000000u) return 0;
  size_t need = size == 0 ? 8 : (size + 7u) & ~(size_t)7u;
  for (block **link = &free_list; *link; link = &(*link)->next) {
    if ((*link)->size >= need) {
      block *b = *link;
      *link = b->next;
      return b + 1;
    }
  }
  if (heap_top == 0) heap_top = ((uintptr_t)&__heap_base + 7u) & ~(uintptr_t)7u;
  uintptr_t end = heap_top + sizeof(block) + need;
  uintptr_t limit = (uintptr_t)__builtin_wasm_memory_size(0) * 65536u;
  if (end > limit && __builtin_wasm_memory_grow(0, (end - limit + 65535u) / 65536u) == (size_t)-1) return 0;
  block *b = (block *)heap_top;
  b->size = need;
  heap_top = end;
  return b + 1;
}

EXPORT(free)
void free(void *p) {
  if (!p) return;
  block *b = (block *)p - 1;
  b->next = free_list;
  free_list = b;
}

/* ---- configuration ---- */

#define MAX_HEADER 256
#define MAX_VALUE 4096

static const char default_header[] = ${JSON.stringify(p.header)};
static const char default_value[] = ${JSON.stringify(p.value)};
static char header[MAX_HEADER];
static size_t header_len;
static char value[MAX_VALUE];
static size_t value_len;

/* one log line, built piece by piece */
static char line[128 + MAX_HEADER + MAX_VALUE];
static size_t line_len;

static void say_n(const char *s, size_t n) {
  for (size_t i = 0; i < n && line_len < sizeof line; i++) line[line_len++] = s[i];
}

static void say(const char *s) {
  size_t n = 0;
  while (s[n]) n++;
  say_n(s, n);
}

static void log_line(uint32_t level) {
  proxy_log(level, line, line_len);
  line_len = 0;
}

static void reject(const char *why) {
  say("${p.rootId}: rejected configuration: ");
  say(why);
  log_line(LOG_ERROR);
}

/* A JSON reader for one flat object: string members are read, numbers/true/false/null skipped. */
typedef struct {
  const char *s;
  size_t n, i;
} reader;

static void ws(reader *r) {
  while (r->i < r->n && (r->s[r->i] == ' ' || r->s[r->i] == '\\t' || r->s[r->i] == '\\n' || r->s[r->i] == '\\r')) r->i++;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Reads a JSON string into out (UTF-8); returns its length, or -1 when malformed or longer than cap. */
static long read_string(reader *r, char *out, size_t cap) {
  if (r->i >= r->n || r->s[r->i] != '"') return -1;
  r->i++;
  size_t len = 0;
  while (r->i < r->n) {
    unsigned char c = (unsigned char)r->s[r->i++];
    uint32_t cp = c;
    if (c == '"') return (long)len;
    if (c < 0x20) return -1;
    if (c == '\\\\') {
      if (r->i >= r->n) return -1;
      char e = r->s[r->i++];
      if (e == 'n') cp = '\\n';
      else if (e == 't') cp = '\\t';
      else if (e == 'r') cp = '\\r';
      else if (e == 'b') cp = '\\b';
      else if (e == 'f') cp = '\\f';
      else if (e == '"' || e == '\\\\' || e == '/') cp = (uint32_t)e;
      else if (e == 'u') {
        cp = 0;
        for (int k = 0; k < 4; k++) {
          int d = r->i < r->n ? hexval(r->s[r->i++]) : -1;
          if (d < 0) return -1;
          cp = (cp << 4) | (uint32_t)d;
        }
        if (cp >= 0xd800 && cp <= 0xdfff) return -1; /* surrogate pairs: not supported here */
      } else return -1;
    }
    if (cp < 0x80 || c >= 0x80) { /* ASCII, or a raw UTF-8 byte copied as is */
      if (len + 1 > cap) return -1;
      out[len++] = (char)(c >= 0x80 ? c : cp);
    } else if (cp < 0x800) {
      if (len + 2 > cap) return -1;
      out[len++] = (char)(0xc0 | (cp >> 6));
      out[len++] = (char)(0x80 | (cp & 0x3f));
    } else {
      if (len + 3 > cap) return -1;
      out[len++] = (char)(0xe0 | (cp >> 12));
      out[len++] = (char)(0x80 | ((cp >> 6) & 0x3f));
      out[len++] = (char)(0x80 | (cp & 0x3f));
    }
  }
  return -1;
}

static int skip_scalar(reader *r) {
  size_t start = r->i;
  while (r->i < r->n) {
    char c = r->s[r->i];
    if (c == ',' || c == '}' || c == ' ' || c == '\\t' || c == '\\n' || c == '\\r') break;
    if (c == '{' || c == '[' || c == '"') return 0;
    r->i++;
  }
  return r->i > start;
}

static int is_token_char(char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return 1;
  const char *special = "!#$%&'*+-.^_\`|~";
  for (; *special; special++) if (c == *special) return 1;
  return 0;
}

static int key_is(const char *key, long len, const char *want) {
  long i = 0;
  for (; want[i]; i++) if (i >= len || key[i] != want[i]) return 0;
  return i == len;
}

/* Parses the configuration into header/value; 0 (with a logged reason) when it is not acceptable. */
static int configure(const char *s, size_t n) {
  static char new_header[MAX_HEADER], new_value[MAX_VALUE], key[256], skipped[MAX_VALUE];
  long hl = -1, vl = -1;
  reader r = {s, n, 0};
  ws(&r);
  if (r.i < r.n) {
    if (r.s[r.i++] != '{') return reject("configuration must be a JSON object"), 0;
    ws(&r);
    if (r.i < r.n && r.s[r.i] == '}') r.i++;
    else for (;;) {
      ws(&r);
      long kl = read_string(&r, key, sizeof key);
      ws(&r);
      if (kl < 0) return reject("invalid JSON: expected a member name (at most 255 bytes)"), 0;
      if (r.i >= r.n || r.s[r.i++] != ':') return reject("invalid JSON: expected ':'"), 0;
      ws(&r);
      int is_header = key_is(key, kl, "header"), is_value = key_is(key, kl, "value");
      if (r.i < r.n && r.s[r.i] == '"') {
        long len = read_string(&r, is_header ? new_header : is_value ? new_value : skipped, is_header ? MAX_HEADER : MAX_VALUE);
        if (len < 0) return reject("invalid JSON string, or a string too long"), 0;
        if (is_header) hl = len;
        if (is_value) vl = len;
      } else if (r.i + 4 <= r.n && r.s[r.i] == 'n' && r.s[r.i + 1] == 'u' && r.s[r.i + 2] == 'l' && r.s[r.i + 3] == 'l') {
        r.i += 4; /* null: keep the default */
      } else if (is_header || is_value) {
        return reject(is_header ? "\\"header\\" must be a string" : "\\"value\\" must be a string"), 0;
      } else if (!skip_scalar(&r)) {
        return reject("nested objects and arrays are not supported"), 0;
      }
      ws(&r);
      if (r.i < r.n && r.s[r.i] == ',') { r.i++; continue; }
      if (r.i < r.n && r.s[r.i] == '}') { r.i++; break; }
      return reject("invalid JSON: expected ',' or '}'"), 0;
    }
    ws(&r);
    if (r.i != r.n) return reject("invalid JSON: text after the object"), 0;
  }
  if (hl == 0) return reject("\\"header\\" must be a non-empty HTTP header name"), 0;
  for (long i = 0; i < hl; i++) {
    if (!is_token_char(new_header[i])) return reject("\\"header\\" must be an HTTP header name"), 0;
    if (new_header[i] >= 'A' && new_header[i] <= 'Z') new_header[i] = (char)(new_header[i] + 32);
  }
  for (long i = 0; i < vl; i++) {
    char c = new_value[i];
    if (c == '\\r' || c == '\\n' || c == 0) return reject("\\"value\\" must not contain CR, LF or NUL"), 0;
  }
  const char *h = hl > 0 ? new_header : default_header;
  size_t hn = hl > 0 ? (size_t)hl : sizeof default_header - 1;
  const char *v = vl >= 0 ? new_value : default_value;
  size_t vn = vl >= 0 ? (size_t)vl : sizeof default_value - 1;
  for (size_t i = 0; i < hn; i++) header[i] = h[i];
  header_len = hn;
  for (size_t i = 0; i < vn; i++) value[i] = v[i];
  value_len = vn;
  say("${p.rootId}: adding response header ");
  say_n(header, header_len);
  say(": ");
  say_n(value, value_len);
  log_line(LOG_INFO);
  return 1;
}

/* ---- callbacks ---- */

EXPORT(proxy_abi_version_0_2_1)
void proxy_abi_version_0_2_1(void) {}

EXPORT(proxy_on_context_create)
void proxy_on_context_create(uint32_t context_id, uint32_t parent_context_id) {
  (void)context_id;
  (void)parent_context_id;
}

EXPORT(proxy_on_vm_start)
uint32_t proxy_on_vm_start(uint32_t root_context_id, uint32_t vm_configuration_size) {
  (void)root_context_id;
  (void)vm_configuration_size;
  return 1;
}

EXPORT(proxy_on_configure)
uint32_t proxy_on_configure(uint32_t root_context_id, uint32_t configuration_size) {
  (void)root_context_id;
  if (configuration_size == 0) return configure("", 0);
  char *data = 0;
  size_t size = 0;
  if (proxy_get_buffer_bytes(BUFFER_PLUGIN_CONFIGURATION, 0, configuration_size, &data, &size) != RESULT_OK) {
    reject("the host did not hand over the configuration");
    return 0;
  }
  uint32_t ok = (uint32_t)configure(data, size);
  free(data);
  return ok;
}

EXPORT(proxy_on_request_headers)
uint32_t proxy_on_request_headers(uint32_t context_id, uint32_t headers, uint32_t end_of_stream) {
  (void)context_id;
  (void)headers;
  (void)end_of_stream;
  return ACTION_CONTINUE;
}

EXPORT(proxy_on_response_headers)
uint32_t proxy_on_response_headers(uint32_t context_id, uint32_t headers, uint32_t end_of_stream) {
  (void)context_id;
  (void)headers;
  (void)end_of_stream;
  proxy_add_header_map_value(MAP_RESPONSE_HEADERS, header, header_len, value, value_len);
  return ACTION_CONTINUE;
}

EXPORT(proxy_on_done)
uint32_t proxy_on_done(uint32_t context_id) {
  (void)context_id;
  return 1;
}

EXPORT(proxy_on_log)
void proxy_on_log(uint32_t context_id) { (void)context_id; }

EXPORT(proxy_on_delete)
void proxy_on_delete(uint32_t context_id) { (void)context_id; }
`;
}
