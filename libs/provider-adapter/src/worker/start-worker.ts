import { Logger, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { logLevels, type ProviderName } from '@app/contracts';
import { NatsService, SharedNatsServer } from '@app/messaging';

/**
 * Boots a provider worker: Nest on Fastify for the health port, RPC handlers on the process's one NATS connection
 * (queue group = provider, so replicas share requests), shutdown hooks for the scheduler and the browser.
 */
export async function startWorker(
  module: DynamicModule,
  options: { provider: ProviderName; port: number; logLevel: string; describe: string },
): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(module, new FastifyAdapter(), {
    logger: logLevels(options.logLevel),
  });
  app.enableShutdownHooks();
  app.connectMicroservice({ strategy: new SharedNatsServer(app.get(NatsService), { queue: options.provider }) });
  // Health first: the RPC handlers wait for NATS (the connection waits for a server that is down), and meanwhile
  // the probes must answer (live 200, ready 503) rather than not at all.
  await app.listen(options.port, '0.0.0.0');
  new Logger(options.provider).log(`health on :${options.port}, ${options.describe}`);
  await app.startAllMicroservices();
  return app;
}
