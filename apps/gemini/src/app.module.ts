import { Module, type DynamicModule } from '@nestjs/common';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { provideAdapters, runtimeConfigOf, workerModules } from '@app/provider-adapter';
import { GeminiAdapterConfig } from './adapter/gemini-adapter.config.js';
import { GeminiAdapter } from './adapter/gemini.adapter.js';
import { GeminiConfig } from './config/gemini.config.js';

@Module({})
export class AppModule {
  static forRoot(config: GeminiConfig): DynamicModule {
    const runtime = runtimeConfigOf('gemini', config.GEMINI_ACCOUNT);
    // One video at a time per account whatever GEMINI_/WORKER_MAX_RUNNING say (bug #17: the original ran parallel
    // browsers on one account), and one download at a time through the page's button.
    runtime.maxRunning = 1;
    runtime.maxDownloadConcurrency = 1;
    const adapter = Object.assign(new GeminiAdapterConfig(), {
      appUrl: config.GEMINI_APP_URL,
      bucket: config.GEMINI_BUCKET,
      pageTimeoutMs: config.GEMINI_PAGE_TIMEOUT_MS,
      uploadTimeoutMs: config.GEMINI_UPLOAD_TIMEOUT_MS,
      sendTimeoutMs: config.GEMINI_SEND_TIMEOUT_MS,
      expectedRenderMs: config.GEMINI_EXPECTED_RENDER_MS,
      pollIntervalMs: config.GEMINI_POLL_INTERVAL_MS,
      push: config.GEMINI_PUSH,
      downloadTimeoutMs: config.GEMINI_DOWNLOAD_TIMEOUT_MS,
      downloadDir: config.GEMINI_DOWNLOAD_DIR || join(tmpdir(), 'gemini-downloads', config.GEMINI_ACCOUNT),
      allowPrivateUrls: config.GEMINI_ALLOW_PRIVATE_URLS,
      maxImageBytes: config.GEMINI_MAX_IMAGE_MB * 1024 * 1024,
      maxVideoBytes: config.GEMINI_MAX_VIDEO_MB * 1024 * 1024,
    });
    return {
      module: AppModule,
      imports: workerModules(config, {
        runtime,
        profileDir: config.GEMINI_PROFILE_DIR,
        cookiesFile: config.GEMINI_COOKIES_FILE,
        browserTimeoutMs: config.GEMINI_PAGE_TIMEOUT_MS,
        adapters: [{ provide: GeminiAdapterConfig, useValue: adapter }, ...provideAdapters(GeminiAdapter)],
      }),
    };
  }
}
