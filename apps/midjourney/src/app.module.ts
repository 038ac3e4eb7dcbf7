import { Module, type DynamicModule } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { TerminusModule } from '@nestjs/terminus';
import { join, resolve } from 'node:path';
import { BrowserModule } from '@app/browser';
import { NatsModule } from '@app/messaging';
import {
  RuntimeConfig,
  WorkerRuntimeModule,
  browserConfigOf,
  provideAdapters,
  storageConfigOf,
} from '@app/provider-adapter';
import { StorageModule } from '@app/storage';
import { MidjourneyAdapterConfig } from './adapter/midjourney-adapter.config.js';
import { MidjourneyAdapter } from './adapter/midjourney.adapter.js';
import { MidjourneyConfig } from './config/midjourney.config.js';
import { MidjourneyHandler } from './handlers/midjourney.handler.js';
import { ProxyImageService } from './handlers/proxy-image.service.js';
import { HealthController } from './health/health.controller.js';

@Module({})
export class AppModule {
  static forRoot(config: MidjourneyConfig): DynamicModule {
    const account = config.MIDJOURNEY_ACCOUNT;
    const browser = browserConfigOf(config, {
      account,
      profileDir: resolve(config.MIDJOURNEY_PROFILE_DIR || join('data', 'profiles', `midjourney-${account}`)),
      cookiesFile: config.MIDJOURNEY_COOKIES_FILE,
    });
    const storage = storageConfigOf(config);
    const runtime = Object.assign(new RuntimeConfig(), {
      provider: 'midjourney',
      account,
      minSubmitGapMs: config.MIDJOURNEY_MIN_SUBMIT_GAP_MS,
      maxRunning: config.MIDJOURNEY_MAX_RUNNING,
      rateLimitPenaltyMs: config.MIDJOURNEY_RATE_LIMIT_PENALTY_MS,
      pollMinMs: config.MIDJOURNEY_POLL_MIN_MS,
      pollMaxMs: config.MIDJOURNEY_POLL_MAX_MS,
      heartbeatMs: config.MIDJOURNEY_HEARTBEAT_MS,
      accountCheckIntervalMs: config.MIDJOURNEY_ACCOUNT_CHECK_INTERVAL_MS,
      ackWaitMs: config.MIDJOURNEY_ACK_WAIT_MS,
    });
    const adapter = Object.assign(new MidjourneyAdapterConfig(), {
      appUrl: config.MIDJOURNEY_APP_URL,
      cdnUrl: config.MIDJOURNEY_CDN_URL,
      userId: config.MIDJOURNEY_USER_ID || undefined,
      bucket: config.MIDJOURNEY_BUCKET,
      expectedRenderMs: config.MIDJOURNEY_EXPECTED_RENDER_MS,
      allowPrivateUrls: config.MIDJOURNEY_ALLOW_PRIVATE_URLS,
      maxImageBytes: config.MIDJOURNEY_MAX_IMAGE_MB * 1024 * 1024,
      cdnHosts: ['cdn.midjourney.com'],
    });
    return {
      module: AppModule,
      imports: [
        NatsModule.forRoot({ url: config.NATS_URL, name: `midjourney-${account}` }),
        ScheduleModule.forRoot(),
        TerminusModule,
        BrowserModule.forRoot(browser),
        StorageModule.forRoot(storage),
        WorkerRuntimeModule.forRoot(runtime, [
          { provide: MidjourneyAdapterConfig, useValue: adapter },
          ...provideAdapters(MidjourneyAdapter),
        ]),
      ],
      controllers: [MidjourneyHandler, HealthController],
      providers: [ProxyImageService],
    };
  }
}
