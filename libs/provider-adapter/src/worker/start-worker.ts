import { Logger, Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger as PinoLogger } from 'nestjs-pino';
import type { ProviderName } from '@app/contracts';
import { LoggingModule, requestIdOptions, type LogLevel } from '@app/logging';
import { NatsService, SharedNatsServer } from '@app/messaging';

@Module({})
class WorkerRootModule {}

/**
 * Boots a provider worker: Nest on Fastify for the health port, RPC handlers on the process's one NATS connection
 * (queue group = provider, so replicas share requests), shutdown hooks for the scheduler and the browser.
 */
export async function startWorker(
  module: DynamicModule,
  options: { provider: ProviderName; port: number; logLevel: string; describe: string },
): Promise<NestFastifyApplication> {
  // The worker's module under a root that adds structured logs (JSON lines, LOG_LEVEL, job fields).
  const root: DynamicModule = {
    module: WorkerRootModule,
    imports: [
      LoggingModule.forRoot({
        service: options.provider,
        level: options.logLevel as LogLevel,
        quietPaths: ['/health'],
      }),
      module,
    ],
  };
  const app = await NestFactory.create<NestFastifyApplication>(root, new FastifyAdapter(requestIdOptions), {
    bufferLogs: true,
  });
  app.useLogger(app.get(PinoLogger));
  app.enableShutdownHooks();
  app.connectMicroservice({ strategy: new SharedNatsServer(app.get(NatsService), { queue: options.provider }) });
  const logger = new Logger(options.provider);
  // Probes first: while NATS is away the worker stays up, live and not ready, and serves RPC once NATS answers.
  await app.listen(options.port, '0.0.0.0');
  logger.log(`health on :${options.port}, ${options.describe}`);
  void serveRpc(app, logger);
  return app;
}

async function serveRpc(app: NestFastifyApplication, logger: Logger): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await app.startAllMicroservices();
      if (attempt > 1) logger.log('request/reply handlers serving');
      return;
    } catch (error) {
      const delay = Math.min(10_000, 500 * 2 ** (attempt - 1));
      logger.warn(`request/reply handlers not started (attempt ${attempt}, again in ${delay} ms): ${String(error)}`);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
