import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { RuntimeConfig } from './runtime.config.js';
import { WorkerHealthController } from './worker-health.controller.js';
import { WorkerHealthIndicator } from './worker-health.js';
import { workerRpcHandler } from './worker-rpc.handler.js';
import { WorkerRuntime } from './worker-runtime.js';

/**
 * The worker runtime for one provider, with the probes (`/health/live`, `/health/ready`) and the status/init/ping
 * request/reply every worker serves. The app provides its adapter (provideAdapters), NatsModule, StorageModule and
 * ScheduleModule.forRoot() — `workerModules()` gathers them.
 */
@Module({})
export class WorkerRuntimeModule {
  static forRoot(config: RuntimeConfig, adapters: Provider[]): DynamicModule {
    return {
      module: WorkerRuntimeModule,
      imports: [TerminusModule],
      controllers: [WorkerHealthController, workerRpcHandler(config.provider)],
      providers: [{ provide: RuntimeConfig, useValue: config }, ...adapters, WorkerRuntime, WorkerHealthIndicator],
      exports: [WorkerRuntime, WorkerHealthIndicator, RuntimeConfig, ...adapters],
    };
  }
}
