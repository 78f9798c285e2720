// wasmfleet.yaml: what `init` writes and `build`, `push` and `filter test` read. A small, strict schema: unknown
// keys and wrong types are refused with the field named, so a typo never silently falls back to a default.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CliError, notFoundError } from '../cli-error.js';
import { ExitCode } from '../exit-codes.js';

export const PROJECT_FILE = 'wasmfleet.yaml';
export const LANGUAGES = ['assemblyscript', 'c'] as const;
export type Language = (typeof LANGUAGES)[number];
const POLICIES = ['FAIL_CLOSED', 'FAIL_OPEN', 'FAIL_RELOAD'] as const;

export interface Project {
  /** absolute directory of the project file */
  dir: string;
  name: string;
  lang: Language;
  rootId: string;
  /** source file compiled, relative to dir */
  entry: string;
  /** output directory, relative to dir (default `build`) */
  out: string;
  /** sample plugin configuration (any JSON), as on_configure will receive it */
  config?: unknown;
  vmConfig?: unknown;
  failurePolicy?: (typeof POLICIES)[number];
  /** request file for `wasmfleet filter test`, relative to dir */
  testRequest?: string;
}

/** Module and image names: lowercase, digits, dashes; they become file names and OCI repository components. */
export const NAME_RE = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const ROOT_ID_RE = /^[A-Za-z0-9_.-]{1,128}$/;
const KEYS = new Set(['name', 'lang', 'rootId', 'entry', 'out', 'config', 'vmConfig', 'failurePolicy', 'test']);

export function projectFilePath(dir: string): string {
  return path.join(path.resolve(dir), PROJECT_FILE);
}

export function hasProject(dir: string): boolean {
  return existsSync(projectFilePath(dir));
}

export async function loadProject(dir: string): Promise<Project> {
  const file = projectFilePath(dir);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw notFoundError(`no ${PROJECT_FILE} in ${path.dirname(file)}`, 'run this in a project directory, pass --dir <project>, or create one with `wasmfleet init <name>`');
    }
    throw err;
  }
  const { parse } = await import('yaml');
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw invalid(file, `is not valid YAML: ${(err as Error).message}`);
  }
  return validateProject(doc, file);
}

function invalid(file: string, why: string): CliError {
  return new CliError(`${file} ${why}`, ExitCode.usage, `see \`wasmfleet init --help\` for the project file's fields`);
}

export function validateProject(doc: unknown, file: string): Project {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw invalid(file, 'must be a YAML mapping');
  const d = doc as Record<string, unknown>;
  const unknown = Object.keys(d).filter((k) => !KEYS.has(k));
  if (unknown.length) throw invalid(file, `has unknown field ${unknown.map((k) => `"${k}"`).join(', ')} (known: ${[...KEYS].join(', ')})`);
  const str = (key: string, required: boolean): string | undefined => {
    const v = d[key];
    if (v === undefined || v === null) {
      if (required) throw invalid(file, `needs "${key}"`);
      return undefined;
    }
    if (typeof v !== 'string' || v.trim() === '') throw invalid(file, `field "${key}" must be a non-empty string, found ${JSON.stringify(v)}`);
    return v;
  };
  const name = str('name', true)!;
  if (!NAME_RE.test(name)) throw invalid(file, `field "name" must be lowercase letters, digits and dashes (found "${name}")`);
  const lang = str('lang', true)!;
  if (!(LANGUAGES as readonly string[]).includes(lang)) throw invalid(file, `field "lang" must be one of ${LANGUAGES.join(', ')} (found "${lang}")`);
  const rootId = str('rootId', true)!;
  if (!ROOT_ID_RE.test(rootId)) throw invalid(file, `field "rootId" must be 1-128 letters, digits, "_", "." or "-" (found "${rootId}")`);
  const entry = str('entry', true)!;
  const out = str('out', false) ?? 'build';
  for (const [key, p] of [['entry', entry], ['out', out]] as const) {
    if (path.isAbsolute(p) || p.split(/[\\/]/).includes('..')) throw invalid(file, `field "${key}" must be a path inside the project (found "${p}")`);
  }
  const failurePolicy = str('failurePolicy', false);
  if (failurePolicy !== undefined && !(POLICIES as readonly string[]).includes(failurePolicy)) {
    throw invalid(file, `field "failurePolicy" must be one of ${POLICIES.join(', ')} (found "${failurePolicy}")`);
  }
  let testRequest: string | undefined;
  if (d.test !== undefined && d.test !== null) {
    if (typeof d.test !== 'object' || Array.isArray(d.test)) throw invalid(file, 'field "test" must be a mapping like {request: test/request.yaml}');
    const t = d.test as Record<string, unknown>;
    const extra = Object.keys(t).filter((k) => k !== 'request');
    if (extra.length) throw invalid(file, `field "test" has unknown field "${extra[0]}" (known: request)`);
    if (t.request !== undefined && typeof t.request !== 'string') throw invalid(file, 'field "test.request" must be a path');
    testRequest = t.request as string | undefined;
  }
  const project: Project = { dir: path.dirname(path.resolve(file)), name, lang: lang as Language, rootId, entry, out };
  if (d.config !== undefined) project.config = d.config;
  if (d.vmConfig !== undefined) project.vmConfig = d.vmConfig;
  if (failurePolicy) project.failurePolicy = failurePolicy as Project['failurePolicy'];
  if (testRequest) project.testRequest = testRequest;
  return project;
}

/** Where `build` puts the module and its image config. */
export function projectOutputs(p: Project): { module: string; imageConfig: string } {
  const out = path.join(p.dir, p.out);
  return { module: path.join(out, `${p.name}.wasm`), imageConfig: path.join(out, `${p.name}${IMAGE_CONFIG_SUFFIX}`) };
}

/** `<name>.wasm` → `<name>.image-config.json` beside it */
export const IMAGE_CONFIG_SUFFIX = '.image-config.json';

export function imageConfigPathFor(modulePath: string): string {
  return modulePath.replace(/\.wasm$/i, '') + IMAGE_CONFIG_SUFFIX;
}

/** Configuration as the filter receives it: strings as they are, anything else as JSON text. */
export function configText(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}
