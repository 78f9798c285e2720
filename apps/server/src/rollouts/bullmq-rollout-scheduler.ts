// The rollout scheduler on BullMQ: timers are delayed jobs, validation, analysis measurements and webhook
// deliveries are jobs. Job ids are derived from what the job is for, so adding one twice (a retried
// transition, a restart re-deriving timers) is a no-op. BullMQ holds work, never truth: the handlers load
// the rollout from Redis and hand an event to the pure decision, which ignores what is stale.
// Webhook deliveries have a queue and workers of their own: a receiver that hangs or keeps failing holds a
// delivery for up to a minute of retries, and must never hold up a timer, a validation or an analysis (an
// automatic rollback among them).
import { Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { NotifyEffect, RolloutScheduler, StartAnalysisEffect, StartValidationEffect } from './rollout-scheduler.js';

export const ROLLOUT_QUEUE = 'wasmfleet-rollouts';
export const NOTIFY_QUEUE = 'wasmfleet-notifications';

export type RolloutJob =
  | { kind: 'timer'; rolloutId: string; timerId: string }
  | { kind: 'validate'; effect: StartValidationEffect }
  | { kind: 'analyze'; effect: StartAnalysisEffect; measurement: number }
  | { kind: 'notify'; effect: NotifyEffect };

export type RolloutJobHandlers = { [K in RolloutJob['kind']]: (job: Extract<RolloutJob, { kind: K }>) => Promise<void> };

/** BullMQ ids may not contain ':'. */
const jobId = (...parts: Array<string | number>) => parts.map((p) => String(p).replace(/:/g, '_')).join('|');

export class BullmqRolloutScheduler implements RolloutScheduler {
  private readonly queue: Queue;
  private readonly notifications: Queue;
  private workers: { rollouts: Worker; notifications: Worker } | undefined;

  constructor(
    private readonly connection: Redis,
    private readonly prefix: string,
    private readonly now: () => Date = () => new Date(),
    /** False when no webhook receiver is configured: there is nothing to deliver, so no job is queued. */
    private readonly deliversNotifications = true,
  ) {
    this.queue = new Queue(ROLLOUT_QUEUE, { connection, prefix: `${prefix}bull` });
    this.notifications = new Queue(NOTIFY_QUEUE, { connection, prefix: `${prefix}bull` });
  }

  private async add(id: string, data: RolloutJob, delayMs = 0, attempts = 3, queue = this.queue): Promise<void> {
    const job = await queue.add(data.kind, data, {
      jobId: id,
      delay: Math.max(0, delayMs),
      attempts,
      backoff: { type: 'exponential', delay: 1_000 },
      removeOnComplete: true,
      removeOnFail: 1_000,
    });
    // The id is taken by a job that failed for good (e.g. stalled by crashes): asked for again, run it again.
    if ((await job.getState()) === 'failed') await job.retry('failed');
  }

  async scheduleTimer(rolloutId: string, timerId: string, at: Date): Promise<void> {
    await this.add(jobId('timer', rolloutId, timerId), { kind: 'timer', rolloutId, timerId }, at.getTime() - this.now().getTime(), 10);
  }

  async cancelTimers(rolloutId: string, timerIds: string[]): Promise<void> {
    await Promise.all(timerIds.map((t) => this.queue.remove(jobId('timer', rolloutId, t)).catch(() => 0)));
  }

  /** `attempt` distinguishes a re-run after a restart from the original (whose job may still hold a dead worker's lock). */
  async startValidation(effect: StartValidationEffect, attempt = ''): Promise<void> {
    await this.add(jobId('validate', effect.rolloutId, effect.revision, attempt), { kind: 'validate', effect }, 0, 3);
  }

  async startAnalysis(effect: StartAnalysisEffect, measurement = 1): Promise<void> {
    const at = new Date(effect.startedAt).getTime() + measurement * effect.intervalSeconds * 1000;
    const end = new Date(effect.endsAt).getTime();
    // The last measurement is taken at the end of the window at the latest.
    const due = Math.min(at, end);
    await this.add(jobId('analyze', effect.rolloutId, effect.windowId, measurement), { kind: 'analyze', effect, measurement }, due - this.now().getTime(), 5);
  }

  async notify(effect: NotifyEffect): Promise<void> {
    if (!this.deliversNotifications) return;
    await this.add(jobId('notify', effect.rolloutId, effect.revision, effect.event, effect.reason.code, this.now().getTime()), { kind: 'notify', effect }, 0, 8, this.notifications);
  }

  /**
   * Starts processing; every job kind must have a handler (checked here, loudly). `concurrency`: rollout jobs
   * at once; `notifyConcurrency`: webhook deliveries at once, on their own queue.
   */
  startWorker(handlers: RolloutJobHandlers, concurrency = 8, notifyConcurrency = 4): void {
    for (const kind of ['timer', 'validate', 'analyze', 'notify'] as const) {
      if (typeof handlers[kind] !== 'function') throw new Error(`no handler for rollout job kind "${kind}"`);
    }
    const run = async (job: Job<RolloutJob>) => {
      const data = job.data;
      await (handlers[data.kind] as (j: RolloutJob) => Promise<void>)(data);
    };
    const worker = (queue: string, workers: number) =>
      new Worker(queue, run, {
        connection: this.connection.duplicate({ maxRetriesPerRequest: null }),
        prefix: `${this.prefix}bull`,
        concurrency: workers,
        // A job whose worker died (kill -9) goes back to the queue within ~15 s, and may stall a few times.
        lockDuration: 15_000,
        stalledInterval: 5_000,
        maxStalledCount: 5,
      }).on('error', () => undefined); // connection errors are retried by BullMQ itself
    this.workers = { rollouts: worker(ROLLOUT_QUEUE, concurrency), notifications: worker(NOTIFY_QUEUE, notifyConcurrency) };
  }

  /**
   * Lets rollout jobs finish (they are short); does not wait for webhook deliveries, which may be retrying for
   * a minute: one cut short is delivered again after a restart, with the same idempotency key.
   */
  async close(): Promise<void> {
    await Promise.all([this.workers?.rollouts.close(), this.workers?.notifications.close(true)]);
    await Promise.all([this.queue.close(), this.notifications.close()]);
  }
}
