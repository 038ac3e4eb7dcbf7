import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { ThrottlerModule } from '@nestjs/throttler';
import { resolve } from 'node:path';
import { LoggingModule } from '@app/logging';
import { NatsModule } from '@app/messaging';
import { StorageConfig, StorageModule } from '@app/storage';
import { AdminKeysController } from './auth/admin-keys.controller.js';
import { ApiKeyGuard } from './auth/api-key.guard.js';
import { ApiKeysRepository } from './auth/api-keys.repository.js';
import { ApiKeysService, AuthConfig } from './auth/api-keys.service.js';
import { SessionController } from './auth/session.controller.js';
import { SessionConfig, SessionService } from './auth/session.service.js';
import { providerBuckets, type GatewayConfig } from './config/gateway.config.js';
import { HttpExceptionFilter } from './errors/http-exception.filter.js';
import { InputGuard } from './errors/input-guard.js';
import { httpValidationPipe } from './errors/validation.pipe.js';
import { EventsConsumer } from './events/events.consumer.js';
import { FilesConfig } from './files/files.config.js';
import { FilesController } from './files/files.controller.js';
import { HealthController } from './health/health.controller.js';
import { IdeogramCompatController } from './ideogram/ideogram-compat.controller.js';
import { IdeogramCompatService } from './ideogram/ideogram-compat.service.js';
import { IdeogramJobsService } from './ideogram/ideogram-jobs.service.js';
import { IdeogramController } from './ideogram/ideogram.controller.js';
import { IdeogramGatewayConfig, IdeogramService } from './ideogram/ideogram.service.js';
import { JobFeedController } from './jobs/job-feed.controller.js';
import { JobFeedService } from './jobs/job-feed.service.js';
import { JobNotifier } from './jobs/job-notifier.js';
import { ReplicaBus } from './replica-bus.js';
import { AccountsController } from './accounts/accounts.controller.js';
import { AccountsService } from './accounts/accounts.service.js';
import { MjProxyController } from './mjproxy/mjproxy.controller.js';
import { MjProxyService } from './mjproxy/mjproxy.service.js';
import { AccountAlerts, AccountAlertsConfig } from './accounts/account-alerts.js';
import { KeyThrottlerGuard, MINUTE_THROTTLER } from './limits/key-throttler.guard.js';
import { LimitsConfig } from './limits/limits.config.js';
import { QuotaTiming, QuotasService } from './limits/quotas.service.js';
import { RateCountersRepository } from './limits/rate-counters.repository.js';
import { SqlThrottlerStorage } from './limits/sql-throttler.storage.js';
import { JobStreamService } from './jobs/job-stream.service.js';
import { JobWaiter } from './jobs/job-waiter.js';
import { JobsController } from './jobs/jobs.controller.js';
import { JobsQueue } from './jobs/jobs.queue.js';
import { JobsRepository } from './jobs/jobs.repository.js';
import { JobsConfig, JobsService } from './jobs/jobs.service.js';
import { ChatgptCompatController } from './chatgpt/chatgpt-compat.controller.js';
import { ChatgptCompatService } from './chatgpt/chatgpt-compat.service.js';
import { ChatgptController } from './chatgpt/chatgpt.controller.js';
import { ChatgptGatewayConfig, ChatgptService } from './chatgpt/chatgpt.service.js';
import { CompatController } from './midjourney/compat.controller.js';
import { CompatService } from './midjourney/compat.service.js';
import { MetricsController } from './metrics/metrics.controller.js';
import { MetricsService } from './metrics/metrics.service.js';
import { LegacyStats, LegacyStatsInterceptor } from './midjourney/legacy-stats.js';
import { MidjourneyController } from './midjourney/midjourney.controller.js';
import { MidjourneyGatewayConfig, MidjourneyService } from './midjourney/midjourney.service.js';
import { RpcConfig, WorkerRpc } from './workers/worker-rpc.js';
import { PersistenceModule } from './persistence/persistence.module.js';
import { SqlClient } from './persistence/sql-client.js';
import { productDesignSyncFactory } from './product-design/product-design.factory.js';
import { ProductDesignSync } from './product-design/product-design.sync.js';
import { StatsController } from './stats/stats.controller.js';
import { StatsRepository } from './stats/stats.repository.js';
import { StatsService } from './stats/stats.service.js';
import { DeliveriesController } from './webhooks/deliveries.controller.js';
import { DeliveriesRepository } from './webhooks/deliveries.repository.js';
import { DeliveriesService } from './webhooks/deliveries.service.js';
import { WebhookSender } from './webhooks/webhook-sender.js';
import { WebhookConfig, WebhooksService } from './webhooks/webhooks.service.js';

@Module({})
export class AppModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    const publicBase = (config.PUBLIC_BASE_URL ?? `http://localhost:${config.GATEWAY_PORT}`).replace(/\/$/, '');
    const storage = Object.assign(new StorageConfig(), {
      driver: config.STORAGE_DRIVER,
      localDir: resolve(config.STORAGE_DIR),
      publicBaseUrl: `${publicBase}/files`,
      signingSecret: config.FILES_SIGNING_SECRET || undefined,
      supabaseUrl: config.SUPABASE_URL,
      supabaseServiceRoleKey: config.SUPABASE_SERVICE_ROLE_KEY,
    });
    const authConfig = Object.assign(new AuthConfig(), { bootstrapKey: config.BOOTSTRAP_API_KEY || undefined });
    const limitsConfig = Object.assign(new LimitsConfig(), {
      requestsPerMinute: config.KEY_REQUESTS_PER_MINUTE,
      jobsPerDay: config.KEY_JOBS_PER_DAY,
      concurrentJobs: config.KEY_CONCURRENT_JOBS,
      concurrentStreams: config.KEY_CONCURRENT_STREAMS,
    });
    return {
      module: AppModule,
      imports: [
        LoggingModule.forRoot({ service: 'gateway', level: config.LOG_LEVEL, quietPaths: ['/health', '/metrics'] }),
        NatsModule.forRoot({ url: config.NATS_URL, name: 'gateway', replicas: config.NATS_REPLICAS }),
        // The bootstrap key is part of opening the database: no request finds the database open and the key missing.
        PersistenceModule.forRoot(config, (sql) =>
          new ApiKeysService(new ApiKeysRepository(sql), authConfig).ensureConfiguredBootstrap(),
        ),
        StorageModule.forRoot(storage),
        TerminusModule,
        // Per-key requests per minute; the limit itself is the key's (KeyThrottlerGuard), counted in the database.
        ThrottlerModule.forRootAsync({
          inject: [SqlClient],
          useFactory: (sql: SqlClient) => ({
            throttlers: [MINUTE_THROTTLER],
            storage: new SqlThrottlerStorage(new RateCountersRepository(sql)),
            setHeaders: false,
          }),
        }),
      ],
      controllers: [
        HealthController,
        JobsController,
        AccountsController,
        MidjourneyController,
        MjProxyController,
        CompatController,
        IdeogramController,
        IdeogramCompatController,
        ChatgptController,
        ChatgptCompatController,
        AdminKeysController,
        FilesController,
        MetricsController,
        // The console's API (apps/console): sessions, the list-wide job stream, deliveries, stats.
        SessionController,
        JobFeedController,
        DeliveriesController,
        StatsController,
      ],
      providers: [
        { provide: APP_PIPE, useFactory: httpValidationPipe },
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        // After ApiKeyGuard (global guards run in this order): it needs the request's key.
        { provide: APP_GUARD, useClass: KeyThrottlerGuard },
        { provide: LimitsConfig, useValue: limitsConfig },
        { provide: QuotaTiming, useValue: new QuotaTiming() },
        RateCountersRepository,
        QuotasService,
        { provide: APP_FILTER, useClass: HttpExceptionFilter },
        InputGuard,
        { provide: RpcConfig, useValue: Object.assign(new RpcConfig(), { timeoutMs: config.RPC_TIMEOUT_MS }) },
        {
          provide: JobsConfig,
          useValue: Object.assign(new JobsConfig(), {
            sweepIntervalMs: config.GATEWAY_SWEEP_INTERVAL_MS,
            deadlineGraceMs: config.GATEWAY_DEADLINE_GRACE_MS,
          }),
        },
        {
          provide: FilesConfig,
          useValue: FilesConfig.fromBuckets([
            ...providerBuckets(),
            ['chatgpt', config.CHATGPT_UPLOAD_BUCKET],
            ['midjourney', config.MIDJOURNEY_UPLOAD_BUCKET],
          ]),
        },
        {
          provide: AccountAlertsConfig,
          useValue: Object.assign(new AccountAlertsConfig(), { url: config.ACCOUNT_ALERT_WEBHOOK_URL || undefined }),
        },
        {
          provide: WebhookConfig,
          useValue: Object.assign(new WebhookConfig(), {
            secret: config.WEBHOOK_SECRET,
            retryDelaysMs: config.WEBHOOK_RETRY_DELAYS_MS,
            allowPrivateUrls: config.WEBHOOK_ALLOW_PRIVATE_URLS,
            lookupTimeoutMs: config.WEBHOOK_LOOKUP_TIMEOUT_MS,
          }),
        },
        {
          provide: MidjourneyGatewayConfig,
          useValue: Object.assign(new MidjourneyGatewayConfig(), {
            deadlineSeconds: config.MIDJOURNEY_DEADLINE_SECONDS,
            cdnHosts: config.MIDJOURNEY_CDN_HOSTS,
            allowPrivateUrls: config.MIDJOURNEY_ALLOW_PRIVATE_URLS,
            compatSubmitWaitSeconds: config.MIDJOURNEY_COMPAT_SUBMIT_WAIT_SECONDS,
            uploadBucket: config.MIDJOURNEY_UPLOAD_BUCKET,
            maxUploadBytes: config.MIDJOURNEY_MAX_UPLOAD_MB * 1024 * 1024,
          }),
        },
        {
          provide: IdeogramGatewayConfig,
          useValue: Object.assign(new IdeogramGatewayConfig(), {
            deadlineSeconds: config.IDEOGRAM_DEADLINE_SECONDS,
            submitWaitSeconds: config.IDEOGRAM_SUBMIT_WAIT_SECONDS,
            rpcTimeoutMs: config.IDEOGRAM_RPC_TIMEOUT_MS,
          }),
        },
        {
          provide: ChatgptGatewayConfig,
          useValue: Object.assign(new ChatgptGatewayConfig(), {
            deadlineSeconds: config.CHATGPT_DEADLINE_SECONDS,
            gptgenWaitSeconds: config.CHATGPT_GPTGEN_WAIT_SECONDS,
            appUrl: config.CHATGPT_APP_URL,
            uploadBucket: config.CHATGPT_UPLOAD_BUCKET,
          }),
        },
        {
          provide: ProductDesignSync,
          inject: [SqlClient],
          useFactory: (sql: SqlClient) => productDesignSyncFactory(config, sql),
        },
        { provide: AuthConfig, useValue: authConfig },
        {
          provide: SessionConfig,
          useValue: Object.assign(new SessionConfig(), {
            secret: config.SESSION_SECRET ?? '',
            ttlSeconds: config.SESSION_TTL_SECONDS,
            secureCookies: publicBase.startsWith('https://'),
          }),
        },
        SessionService,
        JobFeedService,
        DeliveriesRepository,
        DeliveriesService,
        StatsRepository,
        StatsService,
        ApiKeysRepository,
        ApiKeysService,
        JobsRepository,
        JobsQueue,
        JobNotifier,
        ReplicaBus,
        AccountsService,
        AccountAlerts,
        JobsService,
        JobWaiter,
        JobStreamService,
        EventsConsumer,
        WebhooksService,
        WebhookSender,
        WorkerRpc,
        MidjourneyService,
        MjProxyService,
        CompatService,
        IdeogramService,
        IdeogramJobsService,
        IdeogramCompatService,
        ChatgptService,
        ChatgptCompatService,
        LegacyStats,
        LegacyStatsInterceptor,
        MetricsService,
      ],
    };
  }
}
