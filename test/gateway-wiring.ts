import type { Provider, Type } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { hashKey, NO_KEY_LIMITS, type ApiKey } from '../apps/gateway/src/auth/api-key.js';
import { ApiKeyGuard } from '../apps/gateway/src/auth/api-key.guard.js';
import type { ApiKeysRepository } from '../apps/gateway/src/auth/api-keys.repository.js';
import { ApiKeysService, AuthConfig } from '../apps/gateway/src/auth/api-keys.service.js';
import { SessionConfig, SessionService } from '../apps/gateway/src/auth/session.service.js';
import { HttpExceptionFilter } from '../apps/gateway/src/errors/http-exception.filter.js';
import { InputGuard } from '../apps/gateway/src/errors/input-guard.js';
import { httpValidationPipe } from '../apps/gateway/src/errors/validation.pipe.js';

/**
 * Controller wiring specs (STYLE §9): a real Fastify app with the gateway's real global pipe, guards and filter, and
 * the real ApiKeysService over an in-memory key table; the controllers' services are the caller's doubles.
 */
export const KEYS = {
  all: 'gw_wiring_all_scopes_0000000000',
  midjourney: 'gw_wiring_midjourney_000000000',
  ideogram: 'gw_wiring_ideogram_00000000000',
  expired: 'gw_wiring_expired_000000000000',
  revoked: 'gw_wiring_revoked_000000000000',
} as const;

const key = (name: string, scopes: string[], over: Partial<ApiKey> = {}): ApiKey => ({
  id: `00000000-0000-4000-8000-${String(Object.keys(KEYS).indexOf(name) + 1).padStart(12, '0')}`,
  name,
  prefix: 'gw_wiring',
  scopes,
  expiresAt: null,
  revokedAt: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  limits: NO_KEY_LIMITS,
  ...over,
});

const TABLE = new Map<string, ApiKey>([
  [hashKey(KEYS.all), key('all', ['*'])],
  [hashKey(KEYS.midjourney), key('midjourney', ['midjourney'])],
  [hashKey(KEYS.ideogram), key('ideogram', ['ideogram'])],
  [hashKey(KEYS.expired), key('expired', ['*'], { expiresAt: '2026-01-02T00:00:00.000Z' })],
  [hashKey(KEYS.revoked), key('revoked', ['*'], { revokedAt: '2026-01-02T00:00:00.000Z' })],
]);

export async function wiringApp(
  controllers: Type<unknown>[],
  providers: Provider[],
  server: { adapter?: FastifyAdapter; beforeInit?: (app: NestFastifyApplication) => void } = {},
): Promise<NestFastifyApplication> {
  const repository = {
    findByHash: (hash: string) => Promise.resolve(TABLE.get(hash) ?? null),
    findById: (id: string) => Promise.resolve([...TABLE.values()].find((k) => k.id === id) ?? null),
  };
  const moduleRef = await Test.createTestingModule({
    controllers,
    providers: [
      { provide: APP_PIPE, useFactory: httpValidationPipe },
      { provide: APP_GUARD, useClass: ApiKeyGuard },
      { provide: APP_FILTER, useClass: HttpExceptionFilter },
      InputGuard,
      {
        provide: ApiKeysService,
        useValue: new ApiKeysService(repository as unknown as ApiKeysRepository, new AuthConfig()),
      },
      { provide: SessionConfig, useValue: Object.assign(new SessionConfig(), { secret: 'wiring-session-secret' }) },
      SessionService,
      ...providers,
    ],
  }).compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(server.adapter ?? new FastifyAdapter(), {
    logger: false,
  });
  server.beforeInit?.(app);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

/** A service double with only the given methods: anything else the controller calls fails loudly. */
export { strictMock as serviceDouble } from './strict-mock.js';
