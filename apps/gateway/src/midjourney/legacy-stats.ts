import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { tap, type Observable } from 'rxjs';

/** The original `GET /health` counters, over the original Midjourney routes. */
@Injectable()
export class LegacyStats {
  readonly startedAt = Date.now();
  total = 0;
  succeeded = 0;
  failed = 0;
  lastRequest: string | null = null;
  lastError: string | null = null;
  /** The last error's stable code: what an anonymous caller of /health sees instead of its text. */
  lastErrorCode: string | null = null;

  record(ok: boolean, error?: unknown): void {
    this.total++;
    this.lastRequest = new Date().toISOString();
    if (ok) this.succeeded++;
    else {
      this.failed++;
      this.lastError = error instanceof Error ? error.message : String(error);
      const code = (error as { code?: unknown } | undefined)?.code;
      this.lastErrorCode = typeof code === 'string' && /^[A-Z][A-Z_]*$/.test(code) ? code : 'INTERNAL';
    }
  }

  /** The original's counters; the last error's text only for a caller with a valid key (`detailed`). */
  snapshot(status: 'running' | 'stopped' | 'error', detailed = false) {
    return {
      status,
      uptime: Math.round((Date.now() - this.startedAt) / 1000),
      totalRequests: this.total,
      successfulRequests: this.succeeded,
      failedRequests: this.failed,
      successRate: this.total ? Math.round((100 * this.succeeded) / this.total) : 0,
      lastRequest: this.lastRequest,
      lastError: detailed ? this.lastError : this.lastErrorCode,
      timestamp: new Date().toISOString(),
    };
  }
}

@Injectable()
export class LegacyStatsInterceptor implements NestInterceptor {
  constructor(private readonly stats: LegacyStats) {}

  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      tap({
        next: () => this.stats.record(true),
        error: (error: unknown) => this.stats.record(false, error),
      }),
    );
  }
}
