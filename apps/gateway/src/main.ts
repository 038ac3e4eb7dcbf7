import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfig, logLevels } from '@app/contracts';
import { AppModule } from './app.module.js';
import { GatewayConfig } from './config/gateway.config.js';
import { answerFrameworkError } from './errors/http-exception.filter.js';
import { corsOptions, fastifyOptions, limitBodies } from './http/http-server.js';
import { setupOpenApi } from './openapi.js';
import { holdDataDirLock } from './persistence/data-dir-lock.js';

const config = loadConfig(GatewayConfig);
if (!config.DATABASE_URL) holdDataDirLock(config.DATA_DIR);
const http = {
  bodyLimitBytes: config.BODY_LIMIT_BYTES,
  imageBodyLimitBytes: config.IMAGE_BODY_LIMIT_BYTES,
  headersTimeoutMs: config.GATEWAY_HEADERS_TIMEOUT_MS,
  requestTimeoutMs: Math.max(config.GATEWAY_REQUEST_TIMEOUT_MS, config.GATEWAY_HEADERS_TIMEOUT_MS),
  corsOrigins: config.CORS_ORIGINS,
};
const adapter = new FastifyAdapter({ ...fastifyOptions(http), frameworkErrors: answerFrameworkError });
limitBodies(adapter.getInstance(), http);
const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
  logger: logLevels(config.LOG_LEVEL),
});
const cors = corsOptions(http);
if (cors) app.enableCors(cors);
app.enableShutdownHooks();
setupOpenApi(app);
await app.listen(config.GATEWAY_PORT, '0.0.0.0');
new Logger('Gateway').log(
  `listening on ${config.PUBLIC_BASE_URL ?? `http://localhost:${config.GATEWAY_PORT}`} (docs at /docs)`,
);
