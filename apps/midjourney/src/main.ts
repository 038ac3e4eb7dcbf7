import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfig, logLevels } from '@app/contracts';
import { NatsService, SharedNatsServer } from '@app/messaging';
import { AppModule } from './app.module.js';
import { MidjourneyConfig } from './config/midjourney.config.js';

const config = loadConfig(MidjourneyConfig);
const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), new FastifyAdapter(), {
  logger: logLevels(config.LOG_LEVEL),
});
app.enableShutdownHooks();
// RPC handlers ride the process's one NATS connection; the queue group spreads requests over replicas.
app.connectMicroservice({ strategy: new SharedNatsServer(app.get(NatsService), { queue: 'midjourney' }) });
await app.startAllMicroservices();
await app.listen(config.MIDJOURNEY_PORT, '0.0.0.0');
new Logger('Midjourney').log(
  `health on :${config.MIDJOURNEY_PORT}, account ${config.MIDJOURNEY_ACCOUNT}, target ${config.MIDJOURNEY_APP_URL}`,
);
