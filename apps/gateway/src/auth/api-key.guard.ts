import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { GatewayException } from '../errors/gateway.exception.js';
import { keyAllows } from './api-key.js';
import { ApiKeysService } from './api-keys.service.js';
import { PUBLIC_ROUTE, REQUIRED_SCOPE, presentedKey, type AuthedRequest } from './auth.decorators.js';
import { SessionService } from './session.service.js';

/**
 * Global guard: every route needs a valid key unless marked @Public(); @RequireScope narrows it. A console session
 * cookie stands in for the key (same scopes; changes need its CSRF token) when no key header is sent.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeysService,
    private readonly sessions: SessionService,
  ) {}

  // Route metadata never changes at run time: read it once per handler, not on every request.
  private readonly routes = new WeakMap<object, { open: boolean; scope?: string }>();

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const handler = context.getHandler();
    let route = this.routes.get(handler);
    if (!route) {
      const targets = [handler, context.getClass()];
      route = {
        open: !!this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets),
        scope: this.reflector.getAllAndOverride<string | undefined>(REQUIRED_SCOPE, targets),
      };
      this.routes.set(handler, route);
    }
    if (route.open) return true;
    const request = context.switchToHttp().getRequest<AuthedRequest>();
    const plain = presentedKey(request);
    const key =
      (plain === undefined ? await this.sessions.authenticate(request) : undefined) ??
      (await this.keys.authenticate(plain));
    if (route.scope && !keyAllows(key, route.scope)) {
      throw new GatewayException('FORBIDDEN_SCOPE', `This API key lacks the '${route.scope}' scope`);
    }
    request.apiKey = key;
    return true;
  }
}
