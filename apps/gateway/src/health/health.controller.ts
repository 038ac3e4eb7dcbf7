import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { Streams } from '@app/contracts';
import { NatsService } from '@app/messaging';
import { ObjectStorage } from '@app/storage';
import { Public } from '../auth/auth.decorators.js';
import { SqlClient } from '../persistence/sql-client.js';

const withTimeout = <T>(promise: Promise<T>, ms: number) =>
  Promise.race([
    promise,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms)),
  ]);

/** Probes: liveness is the process alone (a NATS outage must not restart pods); readiness checks dependencies. */
@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly sql: SqlClient,
    private readonly nats: NatsService,
    private readonly storage: ObjectStorage,
  ) {}

  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      () => this.probe('database', () => this.sql.query('SELECT 1')),
      () => {
        const check = this.indicators.check('nats');
        return this.nats.isConnected() ? check.up() : check.down({ message: 'not connected' });
      },
      // Without a connection the JetStream call would only wait for its timeout.
      () =>
        this.probe('jetstream', async () => {
          if (!this.nats.isConnected()) throw new Error('not connected');
          return (await this.nats.jetstreamManager()).streams.info(Streams.jobs);
        }),
      () => this.probe('storage', () => this.storage.ping()),
    ]);
  }

  private async probe<K extends string>(key: K, fn: () => Promise<unknown>) {
    const check = this.indicators.check(key);
    try {
      await withTimeout(fn(), 2000);
      return check.up();
    } catch (error) {
      return check.down({ message: error instanceof Error ? error.message : String(error) });
    }
  }
}
