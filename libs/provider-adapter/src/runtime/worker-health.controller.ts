import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { WorkerHealthIndicator } from './worker-health.js';

/** Kubernetes probes of every worker: liveness checks only the process; readiness needs NATS, a running consumer, the browser and a usable account. */
@Controller('health')
export class WorkerHealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly worker: WorkerHealthIndicator,
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
      () => this.worker.nats(),
      () => this.worker.consumer(),
      () => this.worker.browser(),
      () => this.worker.account(),
    ]);
  }
}
