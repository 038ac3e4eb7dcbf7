import type { DynamicModule, Provider } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { join, resolve } from 'node:path';
import { BrowserModule } from '@app/browser';
import { NatsModule } from '@app/messaging';
import { StorageModule } from '@app/storage';
import type { RuntimeConfig } from '../runtime/runtime.config.js';
import { WorkerRuntimeModule } from '../runtime/worker-runtime.module.js';
import { browserConfigOf, poolConfigOf, storageConfigOf, type WorkerCommonConfig } from './worker-common.config.js';

/**
 * What every provider worker imports: its one NATS connection, the scheduler, the account's browser (profile
 * `<PROFILES_DIR>/<provider>-<account>` unless set), storage and the runtime with the app's adapter. The runtime
 * module brings the health probes and the status/init/ping handlers.
 */
export function workerModules(
  config: WorkerCommonConfig,
  worker: {
    runtime: RuntimeConfig;
    adapters: Provider[];
    profileDir?: string;
    cookiesFile?: string;
    browserTimeoutMs?: number;
  },
): DynamicModule[] {
  Object.assign(worker.runtime, poolConfigOf(config));
  const { provider, account } = worker.runtime;
  const browser = browserConfigOf(config, {
    account,
    profileDir: resolve(worker.profileDir || join(config.PROFILES_DIR, `${provider}-${account}`)),
    cookiesFile: worker.cookiesFile,
    timeoutMs: worker.browserTimeoutMs,
  });
  return [
    NatsModule.forRoot({ url: config.NATS_URL, name: `${provider}-${account}`, replicas: config.NATS_REPLICAS }),
    ScheduleModule.forRoot(),
    BrowserModule.forRoot(browser),
    StorageModule.forRoot(storageConfigOf(config)),
    WorkerRuntimeModule.forRoot(worker.runtime, worker.adapters),
  ];
}
