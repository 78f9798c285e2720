// A NACK of a rollout's candidate pauses the rollout at once (not only at the next analysis measurement):
// every NACK the ECDS server records is checked against the rollout holding that slot.
import type { NackLedger, NackRecord } from '@wasmfleet/xds';
import { artifactVersion } from './artifact-resource.js';
import { candidateNacks } from './rollout-jobs.js';
import type { RolloutService } from './rollout-service.js';
import type { RolloutStore } from './rollout-store.js';

export class CandidateNackWatcher {
  constructor(
    private readonly store: RolloutStore,
    private readonly service: RolloutService,
    private readonly nacks: NackLedger,
    private readonly log: (message: string) => void,
  ) {}

  onNack(record: NackRecord): void {
    void this.check(record).catch((err: Error) => this.log(`NACK of ${record.name}: ${err.message}`));
  }

  private async check(record: NackRecord): Promise<void> {
    const owner = await this.store.slotOwner(record.name);
    if (!owner) return;
    const rollout = await this.store.get(owner);
    const candidate = rollout?.assignment?.candidate;
    if (!rollout || !candidate || artifactVersion(candidate) !== record.version) return;
    const { count, message } = candidateNacks(this.nacks, record.name, record.version);
    await this.service.deliver(owner, { type: 'NackReported', revision: candidate.revision, count, message });
  }
}
