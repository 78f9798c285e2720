// wasmfleet rollout apply -f <file.yaml|file.json|->: sends a WasmRollout to the management server: a new
// rollout, or a new revision of one (which supersedes the revision in flight). YAML goes as it is (the server
// names each bad field, with the line of a YAML syntax error); JSON is checked locally first.
import { readFileSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { connect } from '../../api/server-client.js';
import { serverOptions, type ServerFlags } from '../../api/server-options.js';
import { notFoundError, usageError } from '../../cli-error.js';
import { note, outputOption, printResult, type OutputFormat } from '../../output/format.js';
import { rolloutSummary } from '../../rollout/rollout-text.js';
import type { RolloutView } from '../../rollout/rollout-view.js';

interface ApplyFlags extends ServerFlags {
  file: string;
  output: OutputFormat;
}

/** The server takes request bodies up to 1 MiB. */
const MAX_BYTES = 1024 * 1024;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BYTES) throw usageError('the rollout on stdin is larger than 1 MiB, the most the server takes');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function readFile(file: string): string {
  let size: number;
  try {
    const st = statSync(file);
    if (st.isDirectory()) throw usageError(`${file} is a directory`, 'give -f a rollout file (YAML or JSON), or - for stdin');
    size = st.size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw notFoundError(`rollout file ${file} does not exist`);
    throw err;
  }
  if (size > MAX_BYTES) throw usageError(`${file} is ${size} bytes; the server takes rollouts of at most 1 MiB`);
  return readFileSync(file, 'utf8');
}

export interface RolloutDocument {
  /** what goes in the request body: a parsed JSON object, or the YAML text */
  body: unknown;
  contentType: string;
}

/** JSON (a .json file, or text starting with `{`) is parsed here; anything else goes to the server as YAML. */
export function rolloutDocument(text: string, source: string): RolloutDocument {
  if (text.trim() === '') throw usageError(`${source} is empty`, 'write a WasmRollout (apiVersion: wasmfleet.io/v1alpha1, kind: WasmRollout)');
  const looksJson = source.toLowerCase().endsWith('.json') || text.trimStart().startsWith('{');
  if (!looksJson) return { body: text, contentType: 'application/yaml' };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw usageError(`${source} is not valid JSON: ${(err as Error).message}`, 'fix the JSON, or write the rollout as YAML');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw usageError(`${source} must hold one JSON object, a WasmRollout`);
  return { body: doc, contentType: 'application/json' };
}

export function register(group: Command): void {
  const cmd = group
    .command('apply')
    .description('create a rollout, or a new revision of it, from a WasmRollout file (YAML or JSON)')
    .requiredOption('-f, --file <file>', 'the WasmRollout: a .yaml or .json file, or - for stdin');
  for (const o of serverOptions()) cmd.addOption(o);
  cmd.addOption(outputOption()).action(async (flags: ApplyFlags) => {
    const source = flags.file === '-' ? 'the rollout on stdin' : flags.file;
    const text = flags.file === '-' ? await readStdin() : readFile(flags.file);
    const doc = rolloutDocument(text, flags.file === '-' ? source : flags.file);
    const client = connect(flags);
    const view = await client.post<RolloutView>('/api/v1/rollouts', {
      body: doc.body,
      contentType: doc.contentType,
      subject: flags.file === '-' ? source : `the rollout in ${flags.file}`,
      hints: { slot_busy: 'wait for that rollout to end, or abort it: wasmfleet rollout abort <rollout>' },
    });
    await printResult(flags.output, view, () => `applied ${view.id} revision ${view.latestRevision}\n${rolloutSummary(view)}`);
    if (flags.output === 'text') note(`follow it with: wasmfleet rollout status ${view.id} --watch`);
  });
}
