// The Nest module: HTTP adapters only. The pieces they call are built in server-context.ts.
import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { BearerAuthGuard } from '../http/bearer-auth.guard.js';
import { DomainErrorFilter } from '../http/domain-error.filter.js';
import { HealthController } from '../http/health.controller.js';
import { NacksController } from '../http/nacks.controller.js';
import { SlotsController } from '../http/slots.controller.js';
import { TokensController } from '../http/tokens.controller.js';
import { ApprovalsAuditController } from '../http/approvals-audit.controller.js';
import { EventsController } from '../http/events.controller.js';
import { ModulesController } from '../http/modules.controller.js';
import { RolloutsController } from '../http/rollouts.controller.js';
import type { ServerContext } from './server-context.js';
import { HEALTH, METRICS, MODULE_CACHE, NACK_LEDGER, ROLLOUT_SERVICE, ROLLOUT_STORE, SERVER_EVENTS, SLOT_SERVICE, TOKEN_SERVICE, VERIFIER } from './tokens.js';

@Module({})
export class AppModule {
  static register(ctx: ServerContext): DynamicModule {
    return {
      module: AppModule,
      controllers: [
        SlotsController,
        NacksController,
        HealthController,
        TokensController,
        RolloutsController,
        ApprovalsAuditController,
        EventsController,
        ModulesController,
      ],
      providers: [
        { provide: SLOT_SERVICE, useValue: ctx.slots },
        { provide: NACK_LEDGER, useValue: ctx.nacks },
        { provide: METRICS, useValue: ctx.metrics },
        { provide: VERIFIER, useValue: ctx.verifier },
        { provide: TOKEN_SERVICE, useValue: ctx.tokens },
        { provide: HEALTH, useValue: ctx.health },
        { provide: ROLLOUT_SERVICE, useValue: ctx.rollouts.service },
        { provide: ROLLOUT_STORE, useValue: ctx.rollouts.store },
        { provide: MODULE_CACHE, useValue: ctx.rollouts.moduleCache },
        { provide: SERVER_EVENTS, useValue: ctx.events },
        { provide: APP_GUARD, useClass: BearerAuthGuard },
        { provide: APP_FILTER, useClass: DomainErrorFilter },
      ],
    };
  }
}
