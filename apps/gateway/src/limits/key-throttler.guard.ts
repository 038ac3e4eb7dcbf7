import { Injectable, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerGuard,
  type ThrottlerModuleOptions,
  type ThrottlerRequest,
  type ThrottlerStorage,
} from '@nestjs/throttler';
import type { AuthedRequest } from '../auth/auth.decorators.js';
import { GatewayException } from '../errors/gateway.exception.js';
import { isDatabaseUnavailable } from '../persistence/database.js';
import { LimitsConfig } from './limits.config.js';
import { rateLimitHeaders } from './rate-limit-headers.js';

/** The one throttler: requests per minute per key, over all routes together. */
export const MINUTE_THROTTLER = { name: 'minute', ttl: 60_000, limit: 1 } as const;

/** Counter key of a key's per-minute window (shared by every route and every replica). */
export const minuteCounterKey = (keyId: string) => `rpm:${keyId}`;

/**
 * Runs after ApiKeyGuard (registered after it): limits each key's requests per minute with @nestjs/throttler over the
 * shared SQL storage, answers the IETF RateLimit headers on every limited request, and a 429 RATE_LIMITED with
 * Retry-After past the limit. Routes without a key (probes, signed files) and unlimited keys are not counted.
 */
@Injectable()
export class KeyThrottlerGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly limits: LimitsConfig,
  ) {
    super(options, storage, reflector);
  }

  private limitOf(context: ExecutionContext): number | null {
    const key = context.switchToHttp().getRequest<AuthedRequest>().apiKey;
    return key ? this.limits.effective(key).requestsPerMinute : null;
  }

  protected override shouldSkip(context: ExecutionContext): Promise<boolean> {
    return Promise.resolve(context.getType() !== 'http' || this.limitOf(context) === null);
  }

  protected override async handleRequest({
    context,
    ttl,
    throttler,
    blockDuration,
  }: ThrottlerRequest): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthedRequest>();
    const limit = this.limitOf(context)!;
    let record: Awaited<ReturnType<ThrottlerStorage['increment']>>;
    try {
      record = await this.storageService.increment(
        minuteCounterKey(request.apiKey!.id),
        ttl,
        limit,
        blockDuration,
        throttler.name ?? MINUTE_THROTTLER.name,
      );
    } catch (error) {
      // The counters are unreachable with the database: the route answers for itself (503 where it needs SQL).
      if (isDatabaseUnavailable(error)) return true;
      throw error;
    }
    const headers = rateLimitHeaders({
      policy: MINUTE_THROTTLER.name,
      quota: limit,
      windowSeconds: Math.round(ttl / 1000),
      remaining: limit - record.totalHits,
      resetSeconds: record.timeToExpire,
    });
    if (record.isBlocked) {
      throw new GatewayException(
        'RATE_LIMITED',
        `This API key is limited to ${limit} requests per minute; retry in ${record.timeToBlockExpire} s`,
        undefined,
        undefined,
        { ...headers, 'retry-after': String(Math.max(1, record.timeToBlockExpire)) },
      );
    }
    const { res } = this.getRequestResponse(context);
    for (const [name, value] of Object.entries(headers)) this.setResponseHeader(res, name, value);
    return true;
  }
}
