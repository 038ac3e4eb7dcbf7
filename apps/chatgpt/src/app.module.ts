import { Module, type DynamicModule } from '@nestjs/common';
import { provideAdapters, runtimeConfigOf, workerModules } from '@app/provider-adapter';
import { ChatgptAdapterConfig } from './adapter/chatgpt-adapter.config.js';
import { ChatgptAdapter } from './adapter/chatgpt.adapter.js';
import { ChatgptConfig } from './config/chatgpt.config.js';
import { ChatgptHandler } from './handlers/chatgpt.handler.js';

@Module({})
export class AppModule {
  static forRoot(config: ChatgptConfig): DynamicModule {
    const account = config.CHATGPT_ACCOUNT;
    const runtime = runtimeConfigOf('chatgpt', account);
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
      busyRetryMs: runtime.queueWaitMs,
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
