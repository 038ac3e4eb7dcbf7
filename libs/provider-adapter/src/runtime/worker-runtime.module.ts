import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { RuntimeConfig } from './runtime.config.js';
import { WorkerHealthIndicator } from './worker-health.js';
import { WorkerRuntime } from './worker-runtime.js';

/**
 * The worker runtime for one provider. The app provides its adapter (provideAdapters), NatsModule, StorageModule
 * and ScheduleModule.forRoot().
 */
@Module({})
export class WorkerRuntimeModule {
  static forRoot(config: RuntimeConfig, adapters: Provider[]): DynamicModule {
    return {
      module: WorkerRuntimeModule,
      imports: [TerminusModule],
      providers: [{ provide: RuntimeConfig, useValue: config }, ...adapters, WorkerRuntime, WorkerHealthIndicator],
      exports: [WorkerRuntime, WorkerHealthIndicator, RuntimeConfig, ...adapters],
    };
  }
}
