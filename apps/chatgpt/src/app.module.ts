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
import { ChatgptAdapterConfig } from './adapter/chatgpt-adapter.config.js';
import { ChatgptAdapter } from './adapter/chatgpt.adapter.js';
import { ChatgptConfig } from './config/chatgpt.config.js';
import { ChatgptHandler } from './handlers/chatgpt.handler.js';
import { HealthController } from './health/health.controller.js';

@Module({})
export class AppModule {
  static forRoot(config: ChatgptConfig): DynamicModule {
    const account = config.CHATGPT_ACCOUNT;
    const browser = browserConfigOf(config, {
      account,
      profileDir: resolve(config.CHATGPT_PROFILE_DIR || join('data', 'profiles', `chatgpt-${account}`)),
      cookiesFile: config.CHATGPT_COOKIES_FILE,
      timeoutMs: config.CHATGPT_PAGE_TIMEOUT_MS,
    });
    const runtime = Object.assign(new RuntimeConfig(), {
      provider: 'chatgpt',
      account,
      minSubmitGapMs: config.CHATGPT_MIN_SEND_GAP_MS,
      maxRunning: config.CHATGPT_MAX_RUNNING,
      rateLimitPenaltyMs: config.CHATGPT_RATE_LIMIT_PENALTY_MS,
      pollMinMs: config.CHATGPT_POLL_MIN_MS,
      pollMaxMs: config.CHATGPT_POLL_MAX_MS,
      heartbeatMs: config.CHATGPT_HEARTBEAT_MS,
      accountCheckIntervalMs: config.CHATGPT_ACCOUNT_CHECK_INTERVAL_MS,
      submitTimeoutMs: config.CHATGPT_SUBMIT_TIMEOUT_MS,
      queueWaitMs: config.CHATGPT_BUSY_RETRY_MS,
    });
    const adapter = Object.assign(new ChatgptAdapterConfig(), {
      appUrl: config.CHATGPT_APP_URL,
      gptUrl: config.CHATGPT_GPT_URL,
      bucket: config.CHATGPT_BUCKET,
      pageTimeoutMs: config.CHATGPT_PAGE_TIMEOUT_MS,
      uploadTimeoutMs: config.CHATGPT_UPLOAD_TIMEOUT_MS,
      sendTimeoutMs: config.CHATGPT_SEND_TIMEOUT_MS,
      expectedAnswerMs: config.CHATGPT_EXPECTED_ANSWER_MS,
      pollIntervalMs: config.CHATGPT_POLL_INTERVAL_MS,
      rateLimitCooldownMs: config.CHATGPT_RATE_LIMIT_COOLDOWN_MS,
      busyRetryMs: config.CHATGPT_BUSY_RETRY_MS,
      allowPrivateUrls: config.CHATGPT_ALLOW_PRIVATE_URLS,
      maxImageBytes: config.CHATGPT_MAX_IMAGE_MB * 1024 * 1024,
    });
    return {
      module: AppModule,
      imports: [
        NatsModule.forRoot({ url: config.NATS_URL, name: `chatgpt-${account}` }),
        ScheduleModule.forRoot(),
        TerminusModule,
        BrowserModule.forRoot(browser),
        StorageModule.forRoot(storageConfigOf(config)),
        WorkerRuntimeModule.forRoot(runtime, [
          { provide: ChatgptAdapterConfig, useValue: adapter },
          ...provideAdapters(ChatgptAdapter),
        ]),
      ],
      controllers: [ChatgptHandler, HealthController],
    };
  }
}
