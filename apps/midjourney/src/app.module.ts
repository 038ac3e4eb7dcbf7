import { Module, type DynamicModule } from '@nestjs/common';
import { RuntimeConfig, provideAdapters, workerModules } from '@app/provider-adapter';
import { MidjourneyAdapterConfig } from './adapter/midjourney-adapter.config.js';
import { MidjourneyAdapter } from './adapter/midjourney.adapter.js';
import { MidjourneyConfig } from './config/midjourney.config.js';
import { ProxyImageService } from './handlers/proxy-image.service.js';

@Module({})
export class AppModule {
  static forRoot(config: MidjourneyConfig): DynamicModule {
    const account = config.MIDJOURNEY_ACCOUNT;
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
      pushBackstopMs: config.MIDJOURNEY_SOCKET_BACKSTOP_MS,
    });
    const adapter = Object.assign(new MidjourneyAdapterConfig(), {
      appUrl: config.MIDJOURNEY_APP_URL,
      cdnUrl: config.MIDJOURNEY_CDN_URL,
      userId: config.MIDJOURNEY_USER_ID || undefined,
      wsUrl: config.MIDJOURNEY_WS_URL,
      socket: config.MIDJOURNEY_SOCKET,
      socketFreshMs: config.MIDJOURNEY_SOCKET_BACKSTOP_MS,
      bucket: config.MIDJOURNEY_BUCKET,
      expectedRenderMs: config.MIDJOURNEY_EXPECTED_RENDER_MS,
      allowPrivateUrls: config.MIDJOURNEY_ALLOW_PRIVATE_URLS,
      maxImageBytes: config.MIDJOURNEY_MAX_IMAGE_MB * 1024 * 1024,
      cdnHosts: ['cdn.midjourney.com'],
    });
    return {
      module: AppModule,
      imports: workerModules(config, {
        runtime,
        profileDir: config.MIDJOURNEY_PROFILE_DIR,
        cookiesFile: config.MIDJOURNEY_COOKIES_FILE,
        adapters: [{ provide: MidjourneyAdapterConfig, useValue: adapter }, ...provideAdapters(MidjourneyAdapter)],
      }),
      providers: [ProxyImageService],
    };
  }
}
