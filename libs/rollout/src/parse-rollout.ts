// Entry points that turn user input (an object from JSON/REST, or YAML text) into a normalized WasmRollout.
import { parseDocument } from 'yaml';
import { RolloutSpecError, type FieldProblem } from './errors.js';
import { WasmRolloutSchema, type WasmRollout } from './rollout-spec.js';

/** The largest YAML document we read; configs are capped at 64 KiB, so this leaves ample room. */
export const MAX_YAML_BYTES = 512 * 1024;

/** Validates and normalizes a WasmRollout given as an object; throws RolloutSpecError naming each bad field. */
export function parseRolloutSpec(input: unknown): WasmRollout {
  const result = WasmRolloutSchema.safeParse(input);
  if (result.success) return result.data;
  const problems: FieldProblem[] = result.error.issues.map((issue) => ({
    field: issue.path.map(String).join('.'),
    reason: issue.message,
  }));
  throw new RolloutSpecError(problems);
}

/** Parses one YAML document and then the WasmRollout in it; YAML syntax errors name line and column. */
export function parseRolloutYaml(text: string): WasmRollout {
  if (text.length > MAX_YAML_BYTES) {
    throw new RolloutSpecError([{ field: '', reason: `the YAML is ${text.length} characters; the limit is ${MAX_YAML_BYTES}` }]);
  }
  // parseDocument reports errors instead of throwing; it also caps alias expansion (billion laughs).
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new RolloutSpecError(doc.errors.map((e) => ({ field: '', reason: `YAML: ${e.message}` })));
  }
  return parseRolloutSpec(doc.toJS({ maxAliasCount: 100 }));
}
