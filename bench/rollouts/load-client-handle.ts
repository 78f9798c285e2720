// The orchestrator's side of the load client: forked with an IPC channel (bench/shared/ipc-child.ts), every
// wait bounded, the process tracked so that it is always killed.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tsxExecArgv } from '../ecds/common.js';
import { IpcChild } from '../shared/ipc-child.js';
import { track } from './harness.js';
import type { FromClient, ToClient } from './model.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const CLIENT = path.join(here, 'load-client.ts');

export class LoadClient extends IpcChild<FromClient, ToClient> {
  constructor() {
    super('load client', ['--max-old-space-size=2048', ...tsxExecArgv(), CLIENT], path.resolve(here, '../..'), track);
  }

  async dump(timeoutMs = 30_000): Promise<Extract<FromClient, { type: 'changes' }>> {
    this.send({ type: 'dump' });
    return this.next('changes', timeoutMs);
  }
}
