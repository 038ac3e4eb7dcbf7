import { Module, type DynamicModule } from '@nestjs/common';
import { RuntimeConfig, provideAdapters, workerModules } from '@app/provider-adapter';
import { IdeogramAdapterConfig } from './adapter/ideogram-adapter.config.js';
import { IdeogramSession } from './adapter/ideogram-session.js';
import { IdeogramAdapter } from './adapter/ideogram.adapter.js';
import { IdeogramConfig } from './config/ideogram.config.js';
import { BulkDownloadService, DownloadService } from './handlers/download.service.js';
import { IdeogramCommandsService } from './handlers/ideogram-commands.service.js';
import { IdeogramHandler } from './handlers/ideogram.handler.js';

@Module({})
export class AppModule {
  static forRoot(config: IdeogramConfig): DynamicModule {
    const account = config.IDEOGRAM_ACCOUNT;
    const runtime = Object.assign(new RuntimeConfig(), {
      provider: 'ideogram',
      account,
      minSubmitGapMs: config.IDEOGRAM_MIN_SUBMIT_GAP_MS,
      maxRunning: config.IDEOGRAM_MAX_RUNNING,
      rateLimitPenaltyMs: config.IDEOGRAM_RATE_LIMIT_PENALTY_MS,
      pollMinMs: config.IDEOGRAM_POLL_MIN_MS,
      pollMaxMs: config.IDEOGRAM_POLL_MAX_MS,
      heartbeatMs: config.IDEOGRAM_HEARTBEAT_MS,
      accountCheckIntervalMs: config.IDEOGRAM_ACCOUNT_CHECK_INTERVAL_MS,
      queueWaitMs: config.IDEOGRAM_INFLIGHT_WAIT_MS,
    });
    const adapter = Object.assign(new IdeogramAdapterConfig(), {
      appUrl: config.IDEOGRAM_APP_URL,
      userId: config.IDEOGRAM_USER_ID || undefined,
      orgId: config.IDEOGRAM_ORG_ID || undefined,
      tokenUrl: config.IDEOGRAM_TOKEN_URL || undefined,
      tokenRefreshMarginMs: config.IDEOGRAM_TOKEN_REFRESH_MARGIN_MS,
      bucket: config.IDEOGRAM_BUCKET,
      expectedRenderMs: config.IDEOGRAM_EXPECTED_RENDER_MS,
      allowPrivateUrls: config.IDEOGRAM_ALLOW_PRIVATE_URLS,
      maxImageBytes: config.IDEOGRAM_MAX_IMAGE_MB * 1024 * 1024,
      describeDelayMs: config.IDEOGRAM_DESCRIBE_DELAY_MS,
      inflightWaitMs: config.IDEOGRAM_INFLIGHT_WAIT_MS,
      quotaWaitMaxMs: config.IDEOGRAM_QUOTA_WAIT_MAX_MS,
    });
    return {
      module: AppModule,
      imports: workerModules(config, {
        runtime,
        profileDir: config.IDEOGRAM_PROFILE_DIR,
        cookiesFile: config.IDEOGRAM_COOKIES_FILE,
        adapters: [
          { provide: IdeogramAdapterConfig, useValue: adapter },
          IdeogramSession,
          ...provideAdapters(IdeogramAdapter),
        ],
      }),
      controllers: [IdeogramHandler],
      providers: [IdeogramCommandsService, DownloadService, BulkDownloadService],
    };
  }
}
