/*
 * c-add-header: a proxy-wasm filter in plain C (no SDK, no libc), ABI 0.2.1.
 *
 * Adds the request header `x-c-filter: <value>` in proxy_on_request_headers.
 * Configuration (plugin configuration, JSON, optional): {"value": "..."}; default value "c-add-header".
 * Empty or whitespace-only configuration -> default. Malformed JSON, a non-string "value", a value longer
 * than 4096 bytes or containing CR/LF/NUL -> proxy_on_configure returns 0 (rejected).
 * Logs exactly one line per proxy_on_configure call through proxy_log (info when accepted, error when
 * rejected). Root id: c_add_header (the module serves any root id; it keeps one configuration per VM).
 *
 * Build: clang-14 --target=wasm32 -nostdlib -O2 -Wl,--no-entry -o c-add-header.wasm filter.c
 * Exports are named with export_name attributes; imports come from module "env".
 */

typedef __SIZE_TYPE__ size_t;
typedef __UINT8_TYPE__ uint8_t;
typedef __UINT32_TYPE__ uint32_t;
typedef __UINTPTR_TYPE__ uintptr_t;

#define IMPORT(name) __attribute__((import_module("env"), import_name(#name)))
#define EXPORT(name) __attribute__((export_name(#name)))

/* ---- host functions (proxy-wasm ABI 0.2.1) ---- */

enum { LOG_TRACE = 0, LOG_DEBUG = 1, LOG_INFO = 2, LOG_WARN = 3, LOG_ERROR = 4, LOG_CRITICAL = 5 };
enum { RESULT_OK = 0 };
enum { BUFFER_PLUGIN_CONFIGURATION = 7 };
enum { MAP_REQUEST_HEADERS = 0 };
enum { ACTION_CONTINUE = 0 };

IMPORT(proxy_log)
uint32_t proxy_log(uint32_t level, const char *message, size_t message_size);

IMPORT(proxy_get_buffer_bytes)
uint32_t proxy_get_buffer_bytes(uint32_t buffer_type, uint32_t start, uint32_t max_size,
                                char **return_data, size_t *return_size);

IMPORT(proxy_add_header_map_value)
uint32_t proxy_add_header_map_value(uint32_t map_type, const char *key, size_t key_size,
                                    const char *value, size_t value_size);

/* ---- memory: first-fit free list on top of a bump allocator ---- */

extern uint8_t __heap_base; /* provided by wasm-ld: first byte after data and stack */

typedef struct block {
  size_t size;        /* payload bytes, multiple of 8 */
  struct block *next; /* free-list link while free */
} block;              /* 8 bytes on wasm32, so payloads stay 8-aligned */

static uintptr_t heap_top;
static block *free_list;

#define PAGE 65536u
#define MAX_ALLOC 0x40000000u

/* The host calls this to hand data (configuration, headers, ...) to the module. */
EXPORT(malloc)
void *malloc(size_t size) {
  if (size > MAX_ALLOC) return 0;
  size_t need = (size + 7u) & ~(size_t)7u;
  if (need == 0) need = 8;

  /* Reuse the first free block that is large enough (no splitting: small filter, small buffers). */
  for (block **link = &free_list; *link; link = &(*link)->next) {
    block *b = *link;
    if (b->size >= need) {
      *link = b->next;
      b->next = 0;
      return b + 1;
    }
  }

  if (heap_top == 0) heap_top = ((uintptr_t)&__heap_base + 7u) & ~(uintptr_t)7u;
  uintptr_t end = heap_top + sizeof(block) + need;
  uintptr_t limit = (uintptr_t)__builtin_wasm_memory_size(0) * PAGE;
  if (end > limit) {
    size_t pages = (end - limit + PAGE - 1) / PAGE;
    if (__builtin_wasm_memory_grow(0, pages) == (size_t)-1) return 0;
  }
  block *b = (block *)heap_top;
  b->size = need;
  b->next = 0;
  heap_top = end;
  return b + 1;
}

static void release(void *ptr) {
  if (!ptr) return;
  block *b = (block *)ptr - 1;
  b->next = free_list;
  free_list = b;
}

/* ---- small string helpers (no libc) ---- */

typedef struct {
  char *data;
  size_t len;
  size_t cap;
} buf;

static int buf_put(buf *b, char c) {
  if (b->len == b->cap) {
    size_t cap = b->cap ? b->cap * 2 : 64;
    char *data = malloc(cap);
    if (!data) return 0;
    for (size_t i = 0; i < b->len; i++) data[i] = b->data[i];
    release(b->data);
    b->data = data;
    b->cap = cap;
  }
  b->data[b->len++] = c;
  return 1;
}

static int buf_puts(buf *b, const char *s) {
  while (*s)
    if (!buf_put(b, *s++)) return 0;
  return 1;
}

static int buf_putn(buf *b, const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!buf_put(b, s[i])) return 0;
  return 1;
}

static void buf_free(buf *b) {
  release(b->data);
  b->data = 0;
  b->len = b->cap = 0;
}

static size_t cstrlen(const char *s) {
  size_t n = 0;
  while (s[n]) n++;
  return n;
}

static void log_line(uint32_t level, const char *a, const char *b, size_t b_len) {
  buf line = {0, 0, 0};
  if (buf_puts(&line, a) && buf_putn(&line, b, b_len)) proxy_log(level, line.data, line.len);
  buf_free(&line);
}

/* ---- minimal JSON: one object; reads the string member "value", skips everything else ---- */

typedef struct {
  const char *s;
  size_t n, i;
  const char *error;
} parser;

static void skip_ws(parser *p) {
  while (p->i < p->n && (p->s[p->i] == ' ' || p->s[p->i] == '\t' || p->s[p->i] == '\n' || p->s[p->i] == '\r'))
    p->i++;
}

static int fail(parser *p, const char *message) {
  if (!p->error) p->error = message;
  return 0;
}

static int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static int read_hex4(parser *p, uint32_t *out) {
  if (p->i + 4 > p->n) return fail(p, "short \\u escape");
  uint32_t v = 0;
  for (int k = 0; k < 4; k++) {
    int d = hex(p->s[p->i + k]);
    if (d < 0) return fail(p, "bad \\u escape");
    v = (v << 4) | (uint32_t)d;
  }
  p->i += 4;
  *out = v;
  return 1;
}

static int put_utf8(buf *b, uint32_t cp) {
  if (cp < 0x80) return buf_put(b, (char)cp);
  if (cp < 0x800) return buf_put(b, (char)(0xC0 | (cp >> 6))) && buf_put(b, (char)(0x80 | (cp & 0x3F)));
  if (cp < 0x10000)
    return buf_put(b, (char)(0xE0 | (cp >> 12))) && buf_put(b, (char)(0x80 | ((cp >> 6) & 0x3F))) &&
           buf_put(b, (char)(0x80 | (cp & 0x3F)));
  return buf_put(b, (char)(0xF0 | (cp >> 18))) && buf_put(b, (char)(0x80 | ((cp >> 12) & 0x3F))) &&
         buf_put(b, (char)(0x80 | ((cp >> 6) & 0x3F))) && buf_put(b, (char)(0x80 | (cp & 0x3F)));
}

/* Parses a JSON string at p->i into out (UTF-8, escapes decoded). out may be 0 to only skip. */
static int parse_string(parser *p, buf *out) {
  if (p->i >= p->n || p->s[p->i] != '"') return fail(p, "expected a string");
  p->i++;
  for (;;) {
    if (p->i >= p->n) return fail(p, "unterminated string");
    char c = p->s[p->i++];
    if (c == '"') return 1;
    if ((unsigned char)c < 0x20) return fail(p, "control character in string");
    if (c != '\\') {
      if (out && !buf_put(out, c)) return fail(p, "out of memory");
      continue;
    }
    if (p->i >= p->n) return fail(p, "unterminated escape");
    char e = p->s[p->i++];
    uint32_t cp;
    switch (e) {
      case '"': cp = '"'; break;
      case '\\': cp = '\\'; break;
      case '/': cp = '/'; break;
      case 'b': cp = '\b'; break;
      case 'f': cp = '\f'; break;
      case 'n': cp = '\n'; break;
      case 'r': cp = '\r'; break;
      case 't': cp = '\t'; break;
      case 'u':
        if (!read_hex4(p, &cp)) return 0;
        if (cp >= 0xD800 && cp <= 0xDBFF && p->i + 6 <= p->n && p->s[p->i] == '\\' && p->s[p->i + 1] == 'u') {
          uint32_t lo;
          size_t save = p->i;
          p->i += 2;
          if (!read_hex4(p, &lo)) return 0;
          if (lo >= 0xDC00 && lo <= 0xDFFF) cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          else p->i = save; /* lone high surrogate; the next escape is read on its own */
        }
        break;
      default: return fail(p, "bad escape");
    }
    if (out && !put_utf8(out, cp)) return fail(p, "out of memory");
  }
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }

static int skip_number(parser *p) {
  if (p->i < p->n && p->s[p->i] == '-') p->i++;
  if (p->i < p->n && p->s[p->i] == '0') p->i++;
  else if (p->i < p->n && is_digit(p->s[p->i])) while (p->i < p->n && is_digit(p->s[p->i])) p->i++;
  else return fail(p, "invalid number");
  if (p->i < p->n && p->s[p->i] == '.') {
    p->i++;
    if (!(p->i < p->n && is_digit(p->s[p->i]))) return fail(p, "invalid number");
    while (p->i < p->n && is_digit(p->s[p->i])) p->i++;
  }
  if (p->i < p->n && (p->s[p->i] == 'e' || p->s[p->i] == 'E')) {
    p->i++;
    if (p->i < p->n && (p->s[p->i] == '+' || p->s[p->i] == '-')) p->i++;
    if (!(p->i < p->n && is_digit(p->s[p->i]))) return fail(p, "invalid number");
    while (p->i < p->n && is_digit(p->s[p->i])) p->i++;
  }
  return 1;
}

static int skip_literal(parser *p, const char *word) {
  size_t len = cstrlen(word);
  if (p->i + len > p->n) return fail(p, "invalid literal");
  for (size_t k = 0; k < len; k++)
    if (p->s[p->i + k] != word[k]) return fail(p, "invalid literal");
  p->i += len;
  return 1;
}

static int skip_value(parser *p, int depth);

/* Parses an object; when value_out is given, the top-level "value" member must be a string and is
   copied there (last one wins) and *found is set. */
static int parse_object(parser *p, int depth, buf *value_out, int *found) {
  if (depth > 64) return fail(p, "nesting too deep");
  if (p->i >= p->n || p->s[p->i] != '{') return fail(p, "expected '{'");
  p->i++;
  skip_ws(p);
  if (p->i < p->n && p->s[p->i] == '}') {
    p->i++;
    return 1;
  }
  for (;;) {
    skip_ws(p);
    buf key = {0, 0, 0};
    if (!parse_string(p, &key)) {
      buf_free(&key);
      return 0;
    }
    int is_value = value_out && key.len == 5 && key.data[0] == 'v' && key.data[1] == 'a' &&
                   key.data[2] == 'l' && key.data[3] == 'u' && key.data[4] == 'e';
    buf_free(&key);
    skip_ws(p);
    if (p->i >= p->n || p->s[p->i] != ':') return fail(p, "expected ':'");
    p->i++;
    skip_ws(p);
    if (is_value) {
      if (p->i >= p->n || p->s[p->i] != '"') return fail(p, "\"value\" must be a string");
      value_out->len = 0;
      if (!parse_string(p, value_out)) return 0;
      *found = 1;
    } else if (!skip_value(p, depth + 1)) {
      return 0;
    }
    skip_ws(p);
    if (p->i < p->n && p->s[p->i] == ',') {
      p->i++;
      continue;
    }
    if (p->i < p->n && p->s[p->i] == '}') {
      p->i++;
      return 1;
    }
    return fail(p, "expected ',' or '}'");
  }
}

static int skip_value(parser *p, int depth) {
  if (depth > 64) return fail(p, "nesting too deep");
  skip_ws(p);
  if (p->i >= p->n) return fail(p, "unexpected end");
  char c = p->s[p->i];
  if (c == '"') return parse_string(p, 0);
  if (c == '{') return parse_object(p, depth, 0, 0);
  if (c == '[') {
    p->i++;
    skip_ws(p);
    if (p->i < p->n && p->s[p->i] == ']') {
      p->i++;
      return 1;
    }
    for (;;) {
      if (!skip_value(p, depth + 1)) return 0;
      skip_ws(p);
      if (p->i < p->n && p->s[p->i] == ',') {
        p->i++;
        continue;
      }
      if (p->i < p->n && p->s[p->i] == ']') {
        p->i++;
        return 1;
      }
      return fail(p, "expected ',' or ']'");
    }
  }
  if (c == 't') return skip_literal(p, "true");
  if (c == 'f') return skip_literal(p, "false");
  if (c == 'n') return skip_literal(p, "null");
  if (c == '-' || is_digit(c)) return skip_number(p);
  return fail(p, "unexpected character");
}

/* ---- filter state ---- */

static const char HEADER[] = "x-c-filter";
static const char DEFAULT_VALUE[] = "c-add-header";
#define MAX_VALUE 4096u

static buf current; /* configured header value; empty buffer means "use the default" */
static int configured_with_default = 1;

static const char *header_value(size_t *len) {
  if (configured_with_default) {
    *len = sizeof(DEFAULT_VALUE) - 1;
    return DEFAULT_VALUE;
  }
  *len = current.len;
  return current.data;
}

/* ---- exports ---- */

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
  char *data = 0;
  size_t size = 0;
  if (configuration_size > 0) {
    if (proxy_get_buffer_bytes(BUFFER_PLUGIN_CONFIGURATION, 0, configuration_size, &data, &size) != RESULT_OK) {
      log_line(LOG_ERROR, "c_add_header: could not read the plugin configuration", "", 0);
      return 0;
    }
  }

  parser p = {data, size, 0, 0};
  buf value = {0, 0, 0};
  int found = 0;
  skip_ws(&p);
  if (p.i < p.n) {
    if (parse_object(&p, 1, &value, &found)) {
      skip_ws(&p);
      if (p.i < p.n) fail(&p, "trailing characters after the JSON object");
    }
  }
  if (!p.error && found && value.len > MAX_VALUE) fail(&p, "\"value\" is longer than 4096 bytes");
  for (size_t i = 0; !p.error && found && i < value.len; i++)
    if (value.data[i] == '\r' || value.data[i] == '\n' || value.data[i] == 0)
      fail(&p, "\"value\" must not contain CR, LF or NUL");
  release(data);

  if (p.error) {
    buf_free(&value);
    log_line(LOG_ERROR, "c_add_header: rejected configuration: ", p.error, cstrlen(p.error));
    return 0;
  }

  buf_free(&current);
  if (found) {
    current = value;
    configured_with_default = 0;
  } else {
    buf_free(&value);
    configured_with_default = 1;
  }
  size_t len;
  const char *v = header_value(&len);
  log_line(LOG_INFO, "c_add_header: adding request header x-c-filter: ", v, len);
  return 1;
}

EXPORT(proxy_on_request_headers)
uint32_t proxy_on_request_headers(uint32_t context_id, uint32_t headers, uint32_t end_of_stream) {
  (void)context_id;
  (void)headers;
  (void)end_of_stream;
  size_t len;
  const char *v = header_value(&len);
  proxy_add_header_map_value(MAP_REQUEST_HEADERS, HEADER, sizeof(HEADER) - 1, v, len);
  return ACTION_CONTINUE;
}

EXPORT(proxy_on_response_headers)
uint32_t proxy_on_response_headers(uint32_t context_id, uint32_t headers, uint32_t end_of_stream) {
  (void)context_id;
  (void)headers;
  (void)end_of_stream;
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
