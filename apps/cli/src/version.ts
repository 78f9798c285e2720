// The CLI's version, from its package.json (read once, at start).
import { readFileSync } from 'node:fs';

export const CLI_VERSION: string = (() => {
  try {
    return String((JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: unknown }).version ?? '0.0.0');
  } catch {
    return '0.0.0';
  }
})();
