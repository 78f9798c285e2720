// The Nest module: HTTP adapters only. The pieces they call are built in server-context.ts.
import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { BearerAuthGuard } from '../http/bearer-auth.guard.js';
import { DomainErrorFilter } from '../http/domain-error.filter.js';
import { HealthController } from '../http/health.controller.js';
import { NacksController } from '../http/nacks.controller.js';
import { SlotsController } from '../http/slots.controller.js';
import type { ServerContext } from './server-context.js';
import { HEALTH, METRICS, NACK_LEDGER, SLOT_SERVICE, VERIFIER } from './tokens.js';

@Module({})
export class AppModule {
  static register(ctx: ServerContext): DynamicModule {
    return {
      module: AppModule,
      controllers: [SlotsController, NacksController, HealthController],
      providers: [
        { provide: SLOT_SERVICE, useValue: ctx.slots },
        { provide: NACK_LEDGER, useValue: ctx.nacks },
        { provide: METRICS, useValue: ctx.metrics },
        { provide: VERIFIER, useValue: ctx.verifier },
        { provide: HEALTH, useValue: ctx.health },
        { provide: APP_GUARD, useClass: BearerAuthGuard },
        { provide: APP_FILTER, useClass: DomainErrorFilter },
      ],
    };
  }
}
