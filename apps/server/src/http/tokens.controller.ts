// API tokens (admin only) and whoami (anyone authenticated). The secret of a new token is in the 201 answer
// and nowhere else: not in lists, not in logs.
import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import type { ApiTokenInfo, CreatedApiToken, WhoAmI } from '@wasmfleet/api';
import type { Principal } from '../auth/principal.js';
import type { TokenService } from '../auth/token-service.js';
import { TOKEN_SERVICE } from '../app/tokens.js';
import { CurrentPrincipal, Permission } from './roles.decorator.js';

@Controller('api/v1')
export class TokensController {
  constructor(@Inject(TOKEN_SERVICE) private readonly tokens: TokenService) {}

  @Post('tokens')
  @Permission('tokens:manage')
  create(@Body() body: unknown, @CurrentPrincipal() creator: Principal): Promise<CreatedApiToken> {
    return this.tokens.create(body, creator);
  }

  @Get('tokens')
  @Permission('tokens:manage')
  async list(): Promise<{ items: ApiTokenInfo[] }> {
    return { items: await this.tokens.list() };
  }

  @Delete('tokens/:id')
  @Permission('tokens:manage')
  @HttpCode(204)
  async revoke(@Param('id') id: string, @CurrentPrincipal() revoker: Principal): Promise<void> {
    await this.tokens.revoke(id, revoker);
  }

  @Get('whoami')
  @Permission('self:read')
  whoami(@CurrentPrincipal() principal: Principal): WhoAmI {
    return { id: principal.id, name: principal.name, roles: [...principal.roles] };
  }
}
