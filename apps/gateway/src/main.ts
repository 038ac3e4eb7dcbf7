import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { Logger as PinoLogger } from 'nestjs-pino';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfig } from '@app/contracts';
import { requestIdOptions } from '@app/logging';
import { AppModule } from './app.module.js';
import { GatewayConfig } from './config/gateway.config.js';
import { defaultConsoleDir, serveConsole } from './console/console-static.js';
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
const adapter = new FastifyAdapter({
  ...fastifyOptions(http),
  ...requestIdOptions, // the request id (X-Request-Id when sane) that LoggingModule logs and echoes
  frameworkErrors: answerFrameworkError,
});
limitBodies(adapter.getInstance(), http);
const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, { bufferLogs: true });
app.useLogger(app.get(PinoLogger)); // JSON lines with request ids (LoggingModule); LOG_LEVEL is pino's level
const cors = corsOptions(http);
if (cors) app.enableCors(cors);
app.enableShutdownHooks();
setupOpenApi(app);
await serveConsole(app, config.CONSOLE_DIR || defaultConsoleDir());
await app.listen(config.GATEWAY_PORT, '0.0.0.0');
new Logger('Gateway').log(
  `listening on ${config.PUBLIC_BASE_URL ?? `http://localhost:${config.GATEWAY_PORT}`} (console at /console, docs at /docs)`,
);
