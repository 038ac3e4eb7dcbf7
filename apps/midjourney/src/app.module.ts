import { Module, type DynamicModule } from '@nestjs/common';
import { provideAdapters, runtimeConfigOf, workerModules } from '@app/provider-adapter';
import { MidjourneyAdapterConfig } from './adapter/midjourney-adapter.config.js';
import { MidjourneyAdapter } from './adapter/midjourney.adapter.js';
import { MidjourneyConfig } from './config/midjourney.config.js';
import { ProxyImageService } from './handlers/proxy-image.service.js';

@Module({})
export class AppModule {
  static forRoot(config: MidjourneyConfig): DynamicModule {
    const account = config.MIDJOURNEY_ACCOUNT;
    // Pacing, polling and queue knobs are the shared ones (runtimeConfigOf); the socket's backstop is Midjourney's.
    const runtime = Object.assign(runtimeConfigOf('midjourney', account), {
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
