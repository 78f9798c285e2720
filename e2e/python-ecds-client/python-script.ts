// Runs a Python script as a child process that prints one JSON event per line, and hands the events to
// the test one at a time, in order, so each can be asserted.
import { spawn, type ChildProcess } from 'node:child_process';

export const PYTHON = '/usr/bin/python3';

export interface ScriptEvent {
  event: string;
  step?: string;
  [field: string]: any;
}

export class PythonScript {
  private readonly child: ChildProcess;
  private readonly events: ScriptEvent[] = [];
  private consumed = 0;
  private stdout = '';
  private stderrText = '';
  private waiters: Array<() => void> = [];
  private exitCode: number | null | undefined;

  constructor(script: string, args: string[]) {
    this.child = spawn(PYTHON, ['-u', script, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stdout += chunk;
      let nl: number;
      while ((nl = this.stdout.indexOf('\n')) >= 0) {
        const line = this.stdout.slice(0, nl).trim();
        this.stdout = this.stdout.slice(nl + 1);
        if (!line) continue;
        try {
          this.events.push(JSON.parse(line) as ScriptEvent);
        } catch {
          this.events.push({ event: 'unparsable-line', line });
        }
        this.wake();
      }
    });
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.stderrText += chunk));
    this.child.on('exit', (code) => {
      this.exitCode = code;
      this.wake();
    });
  }

  private wake() {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  get stderr(): string {
    return this.stderrText;
  }

  /** The next event not yet handed out; fails with the script's stderr when it exits or times out first. */
  async next(timeoutMs = 15_000): Promise<ScriptEvent> {
    const deadline = Date.now() + timeoutMs;
    while (this.consumed >= this.events.length) {
      const left = deadline - Date.now();
      if (this.exitCode !== undefined || left <= 0) {
        const why = this.exitCode !== undefined ? `exited with ${this.exitCode}` : `sent nothing for ${timeoutMs} ms`;
        throw new Error(`python script ${why} after ${this.consumed} events; stderr:\n${this.stderrText}`);
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.events[this.consumed++]!;
  }

  /** Tells the script, blocked at a "waiting" event, to go on. */
  continue(): void {
    this.child.stdin!.write('continue\n');
  }

  /** Resolves with the exit code once the script has ended. */
  async exited(timeoutMs = 15_000): Promise<number | null> {
    const deadline = Date.now() + timeoutMs;
    while (this.exitCode === undefined) {
      if (Date.now() > deadline) throw new Error(`python script still running after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.exitCode;
  }

  /** Kills the script if it is still running and waits for it to be gone. */
  async stop(): Promise<void> {
    if (this.exitCode !== undefined) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGKILL');
    await gone;
  }
}
