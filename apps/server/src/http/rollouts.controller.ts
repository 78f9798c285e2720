// REST for rollouts: apply (JSON or YAML), read, history, and the operator actions. Approve and reject
// have their own routes (and permission); four-eyes is decided in libs/rollout, not here.
import { Body, Controller, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ROLES } from '../auth/roles.js';
import type { Principal } from '../auth/principal.js';
import type { ActionEvent, Actor } from '@wasmfleet/rollout';
import { ValidationError } from '@wasmfleet/api';
import { ROLLOUT_SERVICE } from '../app/tokens.js';
import type { RolloutService } from '../rollouts/rollout-service.js';
import { CurrentPrincipal, Permission } from './roles.decorator.js';
import { rolloutView } from '../rollouts/rollout-view.js';

const OPERATOR_ACTIONS = {
  pause: 'Pause',
  resume: 'Resume',
  promote: 'Promote',
  'promote-full': 'PromoteFull',
  abort: 'Abort',
  retry: 'Retry',
  rollback: 'Rollback',
} as const;

/** An admin may pass any gate: the decision sees every role. */
export function actorOf(p: Principal): Actor {
  return { id: p.id, roles: p.roles.includes('admin') ? [...ROLES] : [...p.roles] };
}

function actionBody(body: unknown): { comment?: string; toRevision?: number } {
  if (body === undefined || body === null || body === '') return {};
  if (typeof body !== 'object') throw new ValidationError([{ field: '(body)', reason: 'must be a JSON object' }]);
  const { comment, toRevision } = body as Record<string, unknown>;
  if (comment !== undefined && (typeof comment !== 'string' || comment.length > 2000)) {
    throw new ValidationError([{ field: 'comment', reason: 'must be a string of at most 2000 characters' }]);
  }
  if (toRevision !== undefined && (!Number.isInteger(toRevision) || (toRevision as number) < 1)) {
    throw new ValidationError([{ field: 'toRevision', reason: 'must be a positive integer' }]);
  }
  return { ...(comment !== undefined && { comment: comment as string }), ...(toRevision !== undefined && { toRevision: toRevision as number }) };
}

@Controller('api/v1/rollouts')
export class RolloutsController {
  constructor(@Inject(ROLLOUT_SERVICE) private readonly rollouts: RolloutService) {}

  @Post()
  @Permission('rollouts:write')
  async apply(@Body() body: unknown, @CurrentPrincipal() who: Principal) {
    return rolloutView(await this.rollouts.apply(body, actorOf(who)));
  }

  @Get()
  @Permission('rollouts:read')
  async list() {
    return { items: (await this.rollouts.list()).map(rolloutView) };
  }

  @Get(':namespace/:name')
  @Permission('rollouts:read')
  async get(@Param('namespace') namespace: string, @Param('name') name: string) {
    return rolloutView(await this.rollouts.get(`${namespace}/${name}`));
  }

  @Get(':namespace/:name/history')
  @Permission('rollouts:read')
  async history(@Param('namespace') namespace: string, @Param('name') name: string) {
    const id = `${namespace}/${name}`;
    const current = await this.rollouts.get(id);
    const outcomes = new Map(current.status.history.map((h) => [h.artifact.revision, h]));
    return {
      items: (await this.rollouts.history(id)).map(({ revision, spec }) => ({
        revision,
        image: spec.spec.filter.image,
        outcome: revision === current.status.revision ? current.status.phase : (outcomes.get(revision)?.outcome ?? null),
        artifact: outcomes.get(revision)?.artifact ?? (revision === current.status.revision ? current.status.candidate : null),
        spec,
      })),
    };
  }

  @Post(':namespace/:name/approve')
  @HttpCode(200)
  @Permission('rollouts:approve')
  async approve(@Param('namespace') ns: string, @Param('name') name: string, @Body() body: unknown, @CurrentPrincipal() who: Principal) {
    const { comment } = actionBody(body);
    return rolloutView(await this.rollouts.act(`${ns}/${name}`, { type: 'Approve', actor: actorOf(who), ...(comment && { comment }) }));
  }

  @Post(':namespace/:name/reject')
  @HttpCode(200)
  @Permission('rollouts:approve')
  async reject(@Param('namespace') ns: string, @Param('name') name: string, @Body() body: unknown, @CurrentPrincipal() who: Principal) {
    const { comment } = actionBody(body);
    return rolloutView(await this.rollouts.act(`${ns}/${name}`, { type: 'Reject', actor: actorOf(who), ...(comment && { comment }) }));
  }

  @Post(':namespace/:name/:action')
  @HttpCode(200)
  @Permission('rollouts:operate')
  async act(
    @Param('namespace') ns: string,
    @Param('name') name: string,
    @Param('action') action: string,
    @Body() body: unknown,
    @CurrentPrincipal() who: Principal,
  ) {
    const type = OPERATOR_ACTIONS[action as keyof typeof OPERATOR_ACTIONS];
    if (!type) {
      throw new ValidationError([{ field: 'action', reason: `unknown action "${action}"; one of ${Object.keys(OPERATOR_ACTIONS).join(', ')}, approve, reject` }]);
    }
    const { comment, toRevision } = actionBody(body);
    const event = { type, actor: actorOf(who), ...(comment && { comment }), ...(type === 'Rollback' && toRevision && { toRevision }) } as ActionEvent;
    return rolloutView(await this.rollouts.act(`${ns}/${name}`, event));
  }
}
