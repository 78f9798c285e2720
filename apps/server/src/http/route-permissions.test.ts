// Every REST route says who may call it: @Permission, @Roles or @Public. The guard fails closed on the
// others (admin only), so this test is what tells a person they forgot, before a viewer finds out.
import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { AppModule } from '../app/app.module.js';
import type { ServerContext } from '../app/server-context.js';
import { PERMISSIONS } from '../auth/roles.js';
import { IS_PUBLIC } from './public.decorator.js';
import { REQUIRED_PERMISSION, REQUIRED_ROLES } from './roles.decorator.js';

// Nest's own metadata keys for @Get/@Post/… (PATH_METADATA, METHOD_METADATA in @nestjs/common/constants).
const PATH = 'path';
const METHOD = 'method';
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'ALL', 'OPTIONS', 'HEAD', 'SEARCH'];

// register() only wires values into providers; a stub that answers any property path stands in for the context.
const anything: unknown = new Proxy(() => anything, { get: (_t, key) => (key === 'then' ? undefined : anything), apply: () => anything });

function routes() {
  const controllers = (AppModule.register(anything as ServerContext).controllers ?? []) as Array<new (...a: never[]) => object>;
  return controllers.flatMap((controller) =>
    Object.getOwnPropertyNames(controller.prototype)
      .filter((name) => name !== 'constructor')
      .flatMap((name) => {
        const handler = (controller.prototype as Record<string, unknown>)[name] as object;
        const path = Reflect.getMetadata(PATH, handler) as string | undefined;
        if (path === undefined) return [];
        const method = METHODS[Reflect.getMetadata(METHOD, handler) as number] ?? '?';
        const meta = (key: string) => Reflect.getMetadata(key, handler) ?? Reflect.getMetadata(key, controller);
        return [{
          route: `${method} /${[Reflect.getMetadata(PATH, controller), path].map((p: string) => p.replace(/^\/|\/$/g, '')).filter(Boolean).join('/')} (${controller.name}.${name})`,
          permission: meta(REQUIRED_PERMISSION) as string | undefined,
          roles: meta(REQUIRED_ROLES) as string[] | undefined,
          isPublic: meta(IS_PUBLIC) === true,
        }];
      }),
  );
}

describe('route declarations', () => {
  it('finds the routes', () => {
    expect(routes().length).toBeGreaterThanOrEqual(11);
  });

  it('gives every route a permission from the table, roles, or @Public', () => {
    const undeclared = routes().filter((r) => !r.isPublic && !r.permission && !(r.roles && r.roles.length > 0));
    expect(undeclared.map((r) => r.route), 'add @Permission(...) from auth/roles.ts').toEqual([]);
    for (const r of routes()) if (r.permission) expect(PERMISSIONS, r.route).toContain(r.permission);
  });

  // Each public route is a decision: a new one must be added here, with the reason it needs no token.
  const PUBLIC_ROUTES = [
    /^GET \/healthz /, // liveness probes
    /^GET \/modules\/:file /, // Envoy's remote code fetch sends no token; content-addressed, sha256-checked by proxies
  ];

  it('keeps @Public to the routes that must do without a token', () => {
    const unexpected = routes().filter((r) => r.isPublic && !PUBLIC_ROUTES.some((re) => re.test(r.route)));
    expect(unexpected.map((r) => r.route)).toEqual([]);
    expect(routes().some((r) => r.isPublic && r.route.startsWith('GET /healthz '))).toBe(true);
  });
});
