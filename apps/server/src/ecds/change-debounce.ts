// Collects rollout changes before ECDS applies them, so rollouts that step together reach each stream in one
// response. A batch goes once no change was made for `quietMs`, and at the latest `maxMs` after its first
// change (like Istio's debounceAfter / debounceMax). Times are when a change was made (its commit time, carried
// on the pub/sub message), not when it was heard: a change that waited in a socket while the event loop was
// busy has already waited, and goes with the next batch at once instead of opening a fresh window.

export interface ChangeDebounceOptions {
  /** How long after the latest change a batch waits for more. 0: no wait. */
  quietMs: number;
  /** How long after its first change a batch waits at most. */
  maxMs: number;
}

export class ChangeDebounce<K> {
  private readonly pending = new Set<K>();
  private first = 0;
  private last = 0;
  private armed = false;

  constructor(
    private readonly flush: (keys: K[]) => void,
    private readonly options: ChangeDebounceOptions,
  ) {}

  /** `madeAt`: when the change was made (epoch ms); a time ahead of this clock counts as now. */
  add(key: K, madeAt: number): void {
    const at = Number.isFinite(madeAt) ? Math.min(madeAt, Date.now()) : Date.now();
    if (this.pending.size === 0) this.first = this.last = at;
    else {
      this.first = Math.min(this.first, at);
      this.last = Math.max(this.last, at);
    }
    this.pending.add(key);
    if (!this.armed) this.arm();
  }

  private dueAt(): number {
    return Math.min(this.last + this.options.quietMs, this.first + Math.max(this.options.quietMs, this.options.maxMs));
  }

  // A timer even when already due: every change read in the same pass over the sockets joins the batch.
  private arm(): void {
    this.armed = true;
    setTimeout(() => this.fire(), Math.max(0, this.dueAt() - Date.now()));
  }

  private fire(): void {
    this.armed = false;
    if (this.pending.size === 0) return;
    if (Date.now() < this.dueAt()) return this.arm();
    const keys = [...this.pending];
    this.pending.clear();
    this.flush(keys);
  }
}
