import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { GatewayException } from '../errors/gateway.exception.js';
import { keyAllows } from './api-key.js';
import { ApiKeysService } from './api-keys.service.js';
import { PUBLIC_ROUTE, REQUIRED_SCOPE, presentedKey, type AuthedRequest } from './auth.decorators.js';

/** Global guard: every route needs a valid key unless marked @Public(); @RequireScope narrows it. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeysService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const request = context.switchToHttp().getRequest<AuthedRequest>();
    const key = await this.keys.authenticate(presentedKey(request));
    const scope = this.reflector.getAllAndOverride<string | undefined>(REQUIRED_SCOPE, targets);
    if (scope && !keyAllows(key, scope)) {
      throw new GatewayException('FORBIDDEN_SCOPE', `This API key lacks the '${scope}' scope`);
    }
    request.apiKey = key;
    return true;
  }
}
