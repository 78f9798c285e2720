// The command tree. Each command lives in commands/<name>.ts and is loaded only when it runs (a pull never pays
// for loading the proxy-wasm host); help without a command loads them all. Usage errors exit with 2 (commander's
// own default is 1, which scripts could not tell from a real failure).
import { Command } from 'commander';
import { EXIT_CODES_HELP } from './exit-codes.js';
import { CLI_VERSION } from './version.js';

type CommandModule = { register(program: Command): void };

const COMMANDS: Record<string, () => Promise<CommandModule>> = {
  init: () => import('./commands/init.js'),
  build: () => import('./commands/build.js'),
  push: () => import('./commands/push.js'),
  pull: () => import('./commands/pull.js'),
  inspect: () => import('./commands/inspect.js'),
  login: () => import('./commands/login.js'),
  logout: () => import('./commands/logout.js'),
  filter: () => import('./commands/filter-test.js'),
  rollout: () => import('./commands/rollout.js'),
  approvals: () => import('./commands/approvals.js'),
  audit: () => import('./commands/audit.js'),
};

const EPILOG = `
A first filter:
  wasmfleet init my-filter --lang assemblyscript && cd my-filter
  wasmfleet build && wasmfleet filter test
  wasmfleet push oci://127.0.0.1:5000/filters/my-filter:v1

${EXIT_CODES_HELP}

Environment:
  WASMFLEET_CONFIG_DIR      where \`login\` keeps credentials (default ~/.config/wasmfleet)
  WASMFLEET_REGISTRY_USERNAME, WASMFLEET_REGISTRY_PASSWORD
                            credentials for every registry (or only WASMFLEET_REGISTRY_HOST);
                            Docker's and Podman's config files are read too
  WASMFLEET_SERVER          management server for rollout, approvals, audit (default http://127.0.0.1:8080)
  WASMFLEET_TOKEN           its API token (or --token-file .wasmfleet/admin-token)
  WASMFLEET_DEBUG=1         print stack traces of unexpected errors`;

/** The program with the command named in argv registered (or every command, for help and typos). */
export async function createProgram(argv: readonly string[]): Promise<Command> {
  const program = new Command('wasmfleet')
    .description('Build, test and ship proxy-wasm filters for Envoy and Istio')
    .version(CLI_VERSION, '-V, --version')
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', EPILOG);
  const name = argv[2];
  const wanted = name !== undefined && Object.hasOwn(COMMANDS, name) ? [name] : Object.keys(COMMANDS);
  for (const mod of await Promise.all(wanted.map((n) => COMMANDS[n]!()))) mod.register(program);
  return program;
}
