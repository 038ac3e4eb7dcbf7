import { Module, type DynamicModule, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import { pinoHttpOptions, REQUEST_ID_HEADER, type LoggingOptions } from './pino-options.js';

/**
 * Structured logs for a Nest app (nestjs-pino): JSON lines on stdout (pretty on a TTY), a request id per request,
 * job fields from `withLogFields`. The app boots with `bufferLogs: true` and calls `app.useLogger(app.get(Logger))`,
 * on a FastifyAdapter created with `requestIdOptions` (which picks the id); the answer echoes it in X-Request-Id.
 */
@Module({})
export class LoggingModule implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    fastify?.addHook('onRequest', (request, reply, done) => {
      void reply.header(REQUEST_ID_HEADER, request.id);
      done();
    });
  }

  static forRoot(options: LoggingOptions & { destination?: DestinationStream }): DynamicModule {
    const http = pinoHttpOptions(options);
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRoot({
          // nestjs-pino's default route pattern (`{/*splat}`) matches nothing under Nest 12 on Fastify (middie):
          // without this no request would be logged or carry its id.
          forRoutes: ['{*splat}'],
          // A test's destination takes the lines instead of stdout (no pretty transport then).
          pinoHttp: options.destination ? [{ ...http, transport: undefined }, options.destination] : http,
        }),
      ],
      exports: [LoggerModule],
    };
  }
}
