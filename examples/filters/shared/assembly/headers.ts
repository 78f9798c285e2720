// Header validation shared by the AssemblyScript example filters (AssemblyScript 0.14 source).

/** RFC 9110 token: 1*tchar. */
export function validHeaderName(name: string): bool {
  if (name.length == 0) return false;
  for (let i = 0; i < name.length; i++) {
    let c = name.charCodeAt(i);
    let alnum = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
    // ! # $ % & ' * + - . ^ _ ` | ~
    let special = c == 0x21 || (c >= 0x23 && c <= 0x27) || c == 0x2a || c == 0x2b || c == 0x2d || c == 0x2e ||
      c == 0x5e || c == 0x5f || c == 0x60 || c == 0x7c || c == 0x7e;
    if (!alnum && !special) return false;
  }
  return true;
}

/** No CR, LF or NUL (anything else is passed through as UTF-8). */
export function validHeaderValue(value: string): bool {
  for (let i = 0; i < value.length; i++) {
    let c = value.charCodeAt(i);
    if (c == 0x0d || c == 0x0a || c == 0x00) return false;
  }
  return true;
}
