import type { IncomingHttpHeaders } from 'node:http';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { pino, type Logger, type LoggerOptions } from 'pino';
import type { Options as PinoHttpOptions } from 'pino-http';
import { currentLogFields } from './log-fields.js';
import { redactUrl, REDACT_PATHS } from './redact.js';

/** The apps' LOG_LEVEL values (Nest's names) and pino's. */
export type LogLevel = 'error' | 'warn' | 'log' | 'debug';
const PINO_LEVEL: Record<LogLevel, string> = { error: 'error', warn: 'warn', log: 'info', debug: 'debug' };

export interface LoggingOptions {
  /** The app's name, on every line (`service`). */
  service: string;
  level: LogLevel;
  /** Paths whose requests are not logged (probes). */
  quietPaths?: string[];
}

/** A request id a client may choose: short, and only characters no log or header parser trips over. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:@-]{1,128}$/;
export const REQUEST_ID_HEADER = 'x-request-id';

/** The incoming X-Request-Id when it is sane, else a new one. */
export function requestId(req: { headers: IncomingHttpHeaders }): string {
  const incoming = req.headers[REQUEST_ID_HEADER];
  return typeof incoming === 'string' && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/**
 * Fastify server options: Fastify names each request (and hands the id to the logger through its middleware), so the
 * id is chosen here; LoggingModule echoes it in the answer's X-Request-Id.
 */
export const requestIdOptions = { genReqId: requestId };

/** Pretty lines only for a person at a terminal, and only when pino-pretty (a dev dependency) is installed. */
function prettyTransport(): LoggerOptions['transport'] {
  if (!process.stdout.isTTY) return undefined;
  try {
    createRequire(import.meta.url).resolve('pino-pretty');
  } catch {
    return undefined;
  }
  return { target: 'pino-pretty', options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l' } };
}

/** The base pino options every app shares: JSON lines, the level, the service name, job fields, redaction. */
export function pinoOptions(options: LoggingOptions): LoggerOptions {
  return {
    level: PINO_LEVEL[options.level] ?? 'info',
    base: { service: options.service },
    mixin: currentLogFields,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    transport: prettyTransport(),
  };
}

/**
 * pino-http's options: one line per finished request with its id, method, path (secret query values redacted),
 * status and time; no headers at all (keys, cookies and tokens travel there).
 */
export function pinoHttpOptions(options: LoggingOptions): PinoHttpOptions {
  const quiet = options.quietPaths ?? [];
  return {
    ...pinoOptions(options),
    // Fastify named the request already (requestIdOptions); this is for a server without that option.
    genReqId: (req) => requestId(req),
    // Probes are silent here rather than through `autoLogging.ignore`: pino-http deletes that option from the object
    // it is given, and nestjs-pino hands the same object to it twice.
    customLogLevel: (req, res, error) =>
      quiet.some((path) => (req.url ?? '').startsWith(path))
        ? 'silent'
        : error || res.statusCode >= 500
          ? 'error'
          : 'info',
    serializers: {
      req: (req: { id?: unknown; method?: string; url?: string }) => ({
        id: req.id,
        method: req.method,
        url: redactUrl(req.url),
      }),
      res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
    },
  };
}

/** A plain pino logger with the shared options, for an app without Nest (the simulator). */
export function createLogger(options: LoggingOptions): Logger {
  return pino(pinoOptions(options));
}
