// Every REST route: authenticate the bearer token (401), leave the principal on the request, then check the
// route's @Permission / @Roles against it (403). Routes that declare nothing are admin-only; @Public() skips both.
import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { authorize, type Requirement } from '../auth/authorize.js';
import type { BearerTokenVerifier } from '../auth/bearer-token.js';
import type { Permission, Role } from '../auth/roles.js';
import { VERIFIER } from '../app/tokens.js';
import { IS_PUBLIC } from './public.decorator.js';
import { REQUIRED_PERMISSION, REQUIRED_ROLES, type AuthenticatedRequest } from './roles.decorator.js';

interface HttpRequest extends AuthenticatedRequest {
  headers: Record<string, string | string[] | undefined>;
  method: string;
  url: string;
}

@Injectable()
export class BearerAuthGuard implements CanActivate {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(VERIFIER) private readonly verifier: BearerTokenVerifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const request = context.switchToHttp().getRequest<HttpRequest>();
    const header = request.headers['authorization'];
    const principal = await this.verifier.verify(Array.isArray(header) ? header[0] : header); // AuthenticationError → 401
    request.principal = principal;
    authorize(principal, this.requirementOf(targets), `${request.method} ${request.url.split('?')[0]}`); // AuthorizationError → 403
    return true;
  }

  /** The handler's own declaration wins over its controller's. */
  private requirementOf(targets: Array<Function>): Requirement | undefined {
    for (const target of targets) {
      const permission = this.reflector.get<Permission | undefined>(REQUIRED_PERMISSION, target);
      if (permission) return { permission };
      const roles = this.reflector.get<Role[] | undefined>(REQUIRED_ROLES, target);
      if (roles && roles.length > 0) return { roles };
    }
    return undefined;
  }
}
