import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { WorkerRuntime } from './worker-runtime.js';

/** Readiness of a worker: NATS connected, jobs consumed, browser up, account usable (cooling down counts as up). */
@Injectable()
export class WorkerHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly runtime: WorkerRuntime,
  ) {}

  nats() {
    const check = this.health.check('nats');
    return this.runtime.natsConnected() ? check.up() : check.down({ message: 'not connected' });
  }

  /** Boot finished and the consume loop reaches NATS: a worker that cannot take jobs is not ready. */
  consumer() {
    const check = this.health.check('consumer');
    return this.runtime.consuming() ? check.up() : check.down({ message: 'not consuming jobs' });
  }

  browser() {
    const check = this.health.check('browser');
    const state = this.runtime.adapter.browserState?.();
    if (!state) return check.up({ browser: 'none' });
    return state.connected
      ? check.up({ relaunches: state.relaunches, pages: state.pages })
      : check.down({ message: 'browser not connected' });
  }

  account() {
    const check = this.health.check('account');
    const state = this.runtime.accountState();
    const status = this.runtime.status().account;
    if (state === 'ready') return check.up({ state });
    if (state === 'cooling_down') return check.up({ state, cooldownUntil: status.cooldownUntil });
    return check.down({ state, lastError: status.lastError?.code ?? null });
  }
}
