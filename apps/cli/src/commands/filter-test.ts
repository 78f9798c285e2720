// wasmfleet filter test [module.wasm]: runs requests through a filter on the proxy-wasm host, with a stub upstream
// that answers the given response, and prints what the filter did. Without a module it tests the project: its
// build output, root id, sample configuration and test request (with the request's expectations).
// Exits 5 when the filter refuses its configuration, fails (trap, budget) or misses an expectation.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { FailurePolicy, LogLevel } from '@wasmfleet/proxy-wasm';
import { Option, type Command } from 'commander';
import { notFoundError, usageError } from '../cli-error.js';
import { ExitCode } from '../exit-codes.js';
import { applyFlags, defaultSpec, readSpecFile, type ExchangeFlags } from '../filter-test/exchange-spec.js';
import { runFilter } from '../filter-test/filter-run.js';
import { renderFilterRun } from '../filter-test/report-text.js';
import { outputOption, printResult, type OutputFormat } from '../output/format.js';
import { readImageConfig } from '../project/image-config.js';
import { configText, imageConfigPathFor, loadProject, projectOutputs } from '../project/project-file.js';

const POLICIES = ['FAIL_CLOSED', 'FAIL_OPEN', 'FAIL_RELOAD'] as const;
const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'critical'] as const;

interface FilterTestFlags extends ExchangeFlags {
  dir: string;
  config?: string;
  vmConfig?: string;
  rootId?: string;
  failurePolicy?: FailurePolicy;
  logLevel: LogLevel;
  request?: string;
  expect: boolean;
  repeat: string;
  budgetMs?: string;
  output: OutputFormat;
}

const collect = (v: string, acc: string[] = []) => [...acc, v];

/** `--config '{"a":1}'` or `--config @file.json` */
function textOrFile(value: string | undefined, flag: string): string | undefined {
  if (value === undefined || !value.startsWith('@')) return value;
  const file = value.slice(1);
  if (!existsSync(file)) throw notFoundError(`${flag} file ${file} does not exist`);
  return readFileSync(file, 'utf8');
}

function positiveInt(v: string, flag: string, max: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > max) throw usageError(`${flag} must be an integer from 1 to ${max}, found "${v}"`);
  return n;
}

/** The root id a module was built for: its image config beside it, or the example filters' metadata file. */
function rootIdBeside(modulePath: string): string | undefined {
  const fromImageConfig = readImageConfig(imageConfigPathFor(modulePath))?.config.rootIds[0];
  if (fromImageConfig) return fromImageConfig;
  try {
    const meta = JSON.parse(readFileSync(modulePath.replace(/\.wasm$/i, '.json'), 'utf8')) as { rootId?: unknown };
    return typeof meta.rootId === 'string' && meta.rootId ? meta.rootId : undefined;
  } catch {
    return undefined;
  }
}

interface Target {
  modulePath: string;
  name: string;
  rootId: string;
  config: string;
  vmConfig: string;
  failurePolicy: FailurePolicy;
  requestFile?: string;
}

async function resolveTarget(moduleArg: string | undefined, flags: FilterTestFlags): Promise<Target> {
  const config = textOrFile(flags.config, '--config');
  const vmConfig = textOrFile(flags.vmConfig, '--vm-config');
  if (moduleArg === undefined) {
    const project = await loadProject(flags.dir);
    const target: Target = {
      modulePath: projectOutputs(project).module,
      name: project.name,
      rootId: flags.rootId ?? project.rootId,
      config: config ?? configText(project.config),
      vmConfig: vmConfig ?? configText(project.vmConfig),
      failurePolicy: flags.failurePolicy ?? project.failurePolicy ?? 'FAIL_CLOSED',
    };
    const requestFile = flags.request ?? (project.testRequest ? path.join(project.dir, project.testRequest) : undefined);
    if (requestFile) target.requestFile = requestFile;
    if (!existsSync(target.modulePath)) throw notFoundError(`${target.modulePath} does not exist`, 'run `wasmfleet build` first');
    return target;
  }
  const modulePath = path.resolve(moduleArg);
  if (!existsSync(modulePath)) throw notFoundError(`${moduleArg} does not exist`);
  const rootId = flags.rootId ?? rootIdBeside(modulePath);
  if (!rootId) throw usageError(`the root id of ${moduleArg} is not known`, 'pass --root-id <id> (the root id the filter registers)');
  const target: Target = {
    modulePath,
    name: path.basename(modulePath).replace(/\.wasm$/i, ''),
    rootId,
    config: config ?? '',
    vmConfig: vmConfig ?? '',
    failurePolicy: flags.failurePolicy ?? 'FAIL_CLOSED',
  };
  if (flags.request) target.requestFile = flags.request;
  return target;
}

export function register(program: Command): void {
  const filter = program.command('filter').description('work with filter modules locally');
  filter
    .command('test')
    .description('run requests through a filter with a stub upstream and show what it did')
    .argument('[module]', 'module file (default: the project build output, with its config and test request)')
    .option('-d, --dir <dir>', 'project directory when no module is given', '.')
    .option('-c, --config <json|@file>', 'plugin configuration handed to on_configure')
    .option('--vm-config <json|@file>', 'VM configuration handed to on_vm_start')
    .option('--root-id <id>', 'root id (default: the project, or the image config beside the module)')
    .addOption(new Option('--failure-policy <policy>', 'what a trap does (default FAIL_CLOSED, as in Envoy)').choices(POLICIES))
    .addOption(new Option('--log-level <level>', 'lowest filter log level shown').choices(LOG_LEVELS).default('info'))
    .option('-r, --request <file>', 'request file (JSON or YAML): request, response of the stub upstream, expect')
    .option('--no-expect', "ignore the request file's expectations")
    .option('-X, --method <method>', 'request method')
    .option('--path <path>', 'request path, e.g. /api?x=1')
    .option('--authority <host>', 'request :authority (Host)')
    .option('-H, --header <name:value>', 'request header (repeatable)', collect)
    .option('--body <text>', 'request body')
    .option('--response-status <code>', 'status the stub upstream answers (default 200)')
    .option('--response-header <name:value>', 'header the stub upstream answers (repeatable)', collect)
    .option('--response-body <text>', 'body the stub upstream answers')
    .option('-n, --repeat <n>', 'send the request n times through the same plugin, printing each result', '1')
    .option('--budget-ms <ms>', 'time budget of one filter callback (default 50, as the host)')
    .addOption(outputOption())
    .addHelpText(
      'after',
      `
Request file (YAML or JSON; every field optional):
  request:  { method: GET, path: /hello, authority: example.com, headers: { user-agent: test }, body: "..." }
  response: { status: 200, headers: { content-type: text/plain }, body: "..." }    # the stub upstream's answer
  expect:   { status: 200, localReply: false,
              requestHeaders: { x-added: "1" }, responseHeaders: { x-powered-by: wasmfleet, server: null } }
Headers may also be lists of "name: value". null in expect means "must be absent".
Flags override the file's fields; --header and --response-header add to its headers.

Examples:
  wasmfleet filter test add-header.wasm --root-id add_header --config '{"header":"x-a","value":"1"}'
  wasmfleet filter test rate-limit.wasm --root-id rate_limit --repeat 3 -o json`,
    )
    .action(async (moduleArg: string | undefined, flags: FilterTestFlags) => {
      const repeat = positiveInt(flags.repeat, '--repeat', 10_000);
      const budget = flags.budgetMs !== undefined ? positiveInt(flags.budgetMs, '--budget-ms', 60_000) : undefined;
      const target = await resolveTarget(moduleArg, flags);
      const base = target.requestFile ? await readSpecFile(target.requestFile) : defaultSpec();
      if (!flags.expect) delete base.expect;
      const spec = applyFlags(base, flags);
      const bytes = readFileSync(target.modulePath);
      const report = await runFilter(path.relative(process.cwd(), target.modulePath) || target.modulePath, bytes, spec, {
        name: target.name,
        rootId: target.rootId,
        pluginConfig: target.config,
        vmConfig: target.vmConfig,
        failurePolicy: target.failurePolicy,
        logLevel: flags.logLevel,
        repeat,
        ...(budget ? { callbackBudgetMs: budget } : {}),
      });
      await printResult(flags.output, report, () => renderFilterRun(report));
      if (!report.ok) process.exitCode = ExitCode.verification;
    });
}
