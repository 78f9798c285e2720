// Every REST route needs the bearer token unless marked @Public().
import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { BearerTokenVerifier } from '../auth/bearer-token.js';
import { VERIFIER } from '../app/tokens.js';
import { IS_PUBLIC } from './public.decorator.js';

@Injectable()
export class BearerAuthGuard implements CanActivate {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(VERIFIER) private readonly verifier: BearerTokenVerifier,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()]);
    if (isPublic) return true;
    const request = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined> }>();
    this.verifier.verify(request.headers['authorization']); // throws AuthenticationError → 401
    return true;
  }
}
