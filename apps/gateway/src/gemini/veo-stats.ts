import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { tap, type Observable } from 'rxjs';
import { LegacyStats } from '../midjourney/legacy-stats.js';

/**
 * The original Veo service's `GET /health` counters, over its own routes (the Midjourney ones count apart). Its
 * `successRate` had two decimals.
 */
@Injectable()
export class VeoStats extends LegacyStats {
  override snapshot(status: 'running' | 'stopped' | 'error', detailed = false) {
    const base = super.snapshot(status, detailed);
    return { ...base, successRate: this.total ? Math.round((10_000 * this.succeeded) / this.total) / 100 : 0 };
  }
}

@Injectable()
export class VeoStatsInterceptor implements NestInterceptor {
  constructor(private readonly stats: VeoStats) {}

  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      tap({
        next: () => this.stats.record(true),
        error: (error: unknown) => this.stats.record(false, error),
      }),
    );
  }
}
