// Pending approvals (what approvers are waiting on) and the audit log (who did what, when, why).
import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ValidationError } from '@wasmfleet/api';
import { ROLLOUT_SERVICE, ROLLOUT_STORE } from '../app/tokens.js';
import type { RolloutService } from '../rollouts/rollout-service.js';
import type { RolloutStore } from '../rollouts/rollout-store.js';
import { Permission } from './roles.decorator.js';
import { rolloutView } from '../rollouts/rollout-view.js';

@Controller('api/v1')
export class ApprovalsAuditController {
  constructor(
    @Inject(ROLLOUT_SERVICE) private readonly rollouts: RolloutService,
    @Inject(ROLLOUT_STORE) private readonly store: RolloutStore,
  ) {}

  @Get('approvals')
  @Permission('rollouts:read')
  async pending() {
    const waiting = (await this.rollouts.list()).filter((r) => r.status.phase === 'AwaitingApproval' && r.status.approval);
    return { items: waiting.map((r) => ({ ...rolloutView(r), approval: r.status.approval })) };
  }

  @Get('audit')
  @Permission('audit:read')
  async audit(
    @Query('rollout') rollout?: string,
    @Query('actor') actor?: string,
    @Query('action') action?: string,
    @Query('limit') limit?: string,
  ) {
    const n = limit === undefined ? 200 : Number(limit);
    if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new ValidationError([{ field: 'limit', reason: 'must be an integer 1-10000' }]);
    const actorId = (e: Record<string, unknown>) => (typeof e['actor'] === 'object' && e['actor'] ? (e['actor'] as { id?: string }).id : e['actor']);
    const items = await this.store.audit(
      (e) => (!rollout || e['rolloutId'] === rollout) && (!actor || actorId(e) === actor) && (!action || e['action'] === action),
      Math.max(n * 10, 1000),
    );
    return { items: items.slice(0, n) };
  }
}
