import { Module, type DynamicModule } from '@nestjs/common';
import { RuntimeConfig, provideAdapters, workerModules } from '@app/provider-adapter';
import { ChatgptAdapterConfig } from './adapter/chatgpt-adapter.config.js';
import { ChatgptAdapter } from './adapter/chatgpt.adapter.js';
import { ChatgptConfig } from './config/chatgpt.config.js';
import { ChatgptHandler } from './handlers/chatgpt.handler.js';

@Module({})
export class AppModule {
  static forRoot(config: ChatgptConfig): DynamicModule {
    const account = config.CHATGPT_ACCOUNT;
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
      imports: workerModules(config, {
        runtime,
        profileDir: config.CHATGPT_PROFILE_DIR,
        cookiesFile: config.CHATGPT_COOKIES_FILE,
        browserTimeoutMs: config.CHATGPT_PAGE_TIMEOUT_MS,
        adapters: [{ provide: ChatgptAdapterConfig, useValue: adapter }, ...provideAdapters(ChatgptAdapter)],
      }),
      controllers: [ChatgptHandler],
    };
  }
}
