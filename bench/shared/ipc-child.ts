// A benchmark's helper process (e.g. a load client) seen from the orchestrator: forked with an IPC channel,
// its messages queued, every wait bounded, and it always ends with the orchestrator (the caller tracks it).
import { spawn, type ChildProcess } from 'node:child_process';

export interface IpcMessage {
  type: string;
}

export class IpcChild<From extends IpcMessage, To> {
  private readonly queue: From[] = [];
  private wake: (() => void) | undefined;
  private exited: string | undefined;
  readonly child: ChildProcess;

  /** `name` prefixes errors; `track` registers the process for the caller's kill-everything cleanup. */
  constructor(
    private readonly name: string,
    args: string[],
    cwd: string,
    track: (child: ChildProcess) => ChildProcess,
  ) {
    this.child = track(spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], cwd }));
    this.child.on('message', (m: From) => {
      this.queue.push(m);
      this.wake?.();
    });
    this.child.on('exit', (code, signal) => {
      this.exited = `${name} exited (${code ?? signal})`;
      this.wake?.();
    });
  }

  send(msg: To): void {
    this.child.send(msg as object);
  }

  /** The next message of `type` (others go to onOther); fails on a `fatal` message, exit or timeout. */
  async next<T extends From['type']>(type: T, timeoutMs: number, onOther?: (m: From) => void): Promise<Extract<From, { type: T }>> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const m = this.queue.shift();
      if (m) {
        if (m.type === 'fatal') throw new Error(`${this.name}: ${(m as unknown as { message: string }).message}`);
        if (m.type === type) return m as Extract<From, { type: T }>;
        onOther?.(m);
        continue;
      }
      if (this.exited) throw new Error(this.exited);
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`${this.name}: no '${type}' within ${timeoutMs} ms`);
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

  kill(): Promise<void> {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) return resolve();
      this.child.once('exit', () => resolve());
      this.child.kill('SIGKILL');
    });
  }
}
