// The orchestrator's side of the load client: forks it with an IPC channel and waits for its messages,
// every wait bounded, the process tracked so that it is always killed.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tsxExecArgv } from '../ecds/common.js';
import { track } from './harness.js';
import type { FromClient, ToClient } from './model.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const CLIENT = path.join(here, 'load-client.ts');

export class LoadClient {
  private readonly queue: FromClient[] = [];
  private wake: (() => void) | undefined;
  private exited: string | undefined;
  readonly child: ChildProcess;

  constructor() {
    this.child = track(
      spawn(process.execPath, ['--max-old-space-size=2048', ...tsxExecArgv(), CLIENT], {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        cwd: path.resolve(here, '../..'),
      }),
    );
    this.child.on('message', (m: FromClient) => {
      this.queue.push(m);
      this.wake?.();
    });
    this.child.on('exit', (code, signal) => {
      this.exited = `load client exited (${code ?? signal})`;
      this.wake?.();
    });
  }

  send(msg: ToClient): void {
    this.child.send(msg);
  }

  /** The next message of `type` (others go to onOther); fails on fatal, exit or timeout. */
  async next<T extends FromClient['type']>(type: T, timeoutMs: number, onOther?: (m: FromClient) => void): Promise<Extract<FromClient, { type: T }>> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const m = this.queue.shift();
      if (m) {
        if (m.type === 'fatal') throw new Error(`load client: ${m.message}`);
        if (m.type === type) return m as Extract<FromClient, { type: T }>;
        onOther?.(m);
        continue;
      }
      if (this.exited) throw new Error(this.exited);
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`load client: no '${type}' within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(t);
          this.wake = undefined;
          resolve();
        };
      });
    }
  }

  async dump(timeoutMs = 30_000): Promise<Extract<FromClient, { type: 'changes' }>> {
    this.send({ type: 'dump' });
    return this.next('changes', timeoutMs);
  }

  kill(): Promise<void> {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) return resolve();
      this.child.once('exit', () => resolve());
      this.child.kill('SIGKILL');
    });
  }
}
