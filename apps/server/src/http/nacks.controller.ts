import { Controller, Get, Inject, Query } from '@nestjs/common';
import type { NackLedger, NackRecord } from '@wasmfleet/xds';
import { NACK_LEDGER } from '../app/tokens.js';
import { Permission } from './roles.decorator.js';

/** NACKs this replica has seen: which node refused which version of which slot, and why. */
@Controller('api/v1/nacks')
export class NacksController {
  constructor(@Inject(NACK_LEDGER) private readonly nacks: NackLedger) {}

  @Get()
  @Permission('nacks:read')
  list(@Query('node') node?: string, @Query('slot') slot?: string, @Query('cluster') cluster?: string): { items: NackRecord[] } {
    return {
      items: this.nacks.list({
        ...(node && { nodeId: node }),
        ...(slot && { name: slot }),
        ...(cluster && { cluster }),
      }),
    };
  }
}
