// The child processes a benchmark starts: registered when started, all killed when the benchmark ends (each
// benchmark calls killTracked() from its exit and signal handlers, with its own extra clean-up).
import type { ChildProcess } from 'node:child_process';

const children = new Set<ChildProcess>();

export const alive = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

export function track<T extends ChildProcess>(child: T): T {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** SIGKILL to every tracked child still running. */
export function killTracked(): void {
  for (const child of children) if (alive(child)) child.kill('SIGKILL');
}
