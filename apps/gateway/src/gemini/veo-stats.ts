import { Injectable, type CallHandler, type NestInterceptor } from '@nestjs/common';
import { tap, type Observable } from 'rxjs';

/** The original Veo service's `GET /health` counters, over its routes (not the Midjourney ones). */
@Injectable()
export class VeoStats {
  readonly startedAt = Date.now();
  total = 0;
  succeeded = 0;
  failed = 0;
  lastRequest: string | null = null;
  lastError: string | null = null;
  /** The last error's stable code: what an anonymous caller of the health route sees instead of its text. */
  lastErrorCode: string | null = null;

  record(ok: boolean, error?: unknown): void {
    this.total++;
    this.lastRequest = new Date().toISOString();
    if (ok) {
      this.succeeded++;
      return;
    }
    this.failed++;
    this.lastError = error instanceof Error ? error.message : String(error);
    const code = (error as { code?: unknown } | undefined)?.code;
    this.lastErrorCode = typeof code === 'string' && /^[A-Z][A-Z_]*$/.test(code) ? code : 'INTERNAL';
  }

  /** The original's fields; `successRate` in percent with two decimals, as the original computed it. */
  snapshot(detailed: boolean) {
    return {
      status: 'running',
      uptime: Math.round((Date.now() - this.startedAt) / 1000),
      totalRequests: this.total,
      successfulRequests: this.succeeded,
      failedRequests: this.failed,
      lastRequest: this.lastRequest,
      lastError: detailed ? this.lastError : this.lastErrorCode,
      successRate: this.total ? Math.round((10_000 * this.succeeded) / this.total) / 100 : 0,
      timestamp: new Date().toISOString(),
    };
  }
}

@Injectable()
export class VeoStatsInterceptor implements NestInterceptor {
  constructor(private readonly stats: VeoStats) {}

  intercept(_context: unknown, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      tap({
        next: () => this.stats.record(true),
        error: (error: unknown) => this.stats.record(false, error),
      }),
    );
  }
}
