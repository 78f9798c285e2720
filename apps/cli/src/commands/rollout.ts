// wasmfleet rollout …: the rollouts of the management server. One file per subcommand in commands/rollout/;
// the server and token come from --server/--token/--token-file or WASMFLEET_SERVER/WASMFLEET_TOKEN.
import type { Command } from 'commander';
import { DEFAULT_SERVER } from '../api/server-options.js';
import { register as abort } from './rollout/abort.js';
import { register as apply } from './rollout/apply.js';
import { register as approve } from './rollout/approve.js';
import { register as get } from './rollout/get.js';
import { register as history } from './rollout/history.js';
import { register as list } from './rollout/list.js';
import { register as pause } from './rollout/pause.js';
import { register as promote } from './rollout/promote.js';
import { register as reject } from './rollout/reject.js';
import { register as resume } from './rollout/resume.js';
import { register as retry } from './rollout/retry.js';
import { register as rollback } from './rollout/rollback.js';
import { register as status } from './rollout/status.js';

const HELP = `
Examples:
  export WASMFLEET_SERVER=${DEFAULT_SERVER} WASMFLEET_TOKEN=$(cat .wasmfleet/admin-token)
  wasmfleet rollout apply -f rollout.yaml
  wasmfleet rollout status bookinfo/add-header --watch     # exits 0 when it succeeds, 1 when it fails
  wasmfleet approvals && wasmfleet rollout approve bookinfo/add-header --comment 'canary looks good'

Exit codes: 0 ok, 1 failure (or --watch ended other than Succeeded), 2 invalid flags or rollout spec,
3 rollout not found, 4 no or refused token, 6 refused by the server (role, four-eyes, phase, busy slot).`;

export function register(program: Command): void {
  const group = program
    .command('rollout')
    .description('roll filters out through the management server: apply, watch, approve, pause, promote, roll back')
    .addHelpText('after', HELP);
  for (const add of [apply, get, list, status, history, approve, reject, pause, resume, promote, abort, retry, rollback]) add(group);
}
