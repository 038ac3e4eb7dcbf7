import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { FieldProblem } from '@app/contracts';
import { GatewayException } from './gateway.exception.js';

/** Deeper than any request the API defines; class-transformer and JSON.stringify recurse, so depth must stay small. */
export const MAX_DEPTH = 32;
/** The jobs table's unique index on it cannot hold long keys (btree rows are capped near 2.7 kB). */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

// Postgres stores neither NUL (text, jsonb) nor a UTF-16 surrogate without its pair (it cannot be encoded in UTF-8).
const UNSAFE = /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const UNSAFE_ALL = new RegExp(UNSAFE.source, 'g');

/**
 * A copy Postgres can store: NUL characters dropped, unpaired surrogates replaced by U+FFFD. For what our own
 * workers report (provider text inside events): a client's request is refused instead, but an event must never
 * become a message that fails forever.
 */
export function storable<T>(value: T): T {
  const clean = (text: string) => text.replace(UNSAFE_ALL, (c) => (c === '\0' ? '' : '\uFFFD'));
  return JSON.parse(JSON.stringify(value, (_key, v: unknown) => (typeof v === 'string' ? clean(v) : v))) as T;
}

function textProblem(text: string): string | null {
  const match = UNSAFE.exec(text);
  if (!match) return null;
  return match[0] === '\0' ? 'must not contain NUL characters' : 'must not contain unpaired UTF-16 surrogates';
}

/**
 * The first value Postgres would refuse or that nests deeper than `maxDepth`, with its path (`options.ar`,
 * `tags.2`), or null. Iterative, so a hostile depth cannot overflow the stack here.
 */
export function findUnsafeValue(value: unknown, root = '', maxDepth = MAX_DEPTH): FieldProblem | null {
  const stack: Array<{ value: unknown; path: string; depth: number }> = [{ value, path: root, depth: 0 }];
  while (stack.length) {
    const { value: current, path, depth } = stack.pop()!;
    if (typeof current === 'string') {
      const problem = textProblem(current);
      if (problem) return { field: path || '(body)', problems: [problem] };
      continue;
    }
    if (current === null || typeof current !== 'object' || Buffer.isBuffer(current)) continue;
    if (depth >= maxDepth) {
      return { field: path || '(body)', problems: [`must not nest deeper than ${maxDepth} levels`] };
    }
    for (const [key, child] of Object.entries(current)) {
      const childPath = path ? `${path}.${key}` : key;
      const problem = textProblem(key);
      if (problem) return { field: childPath, problems: [`name ${problem}`] };
      stack.push({ value: child, path: childPath, depth: depth + 1 });
    }
  }
  return null;
}

/** Every part of a request that can reach SQL: headers, path parameters, query and body. */
export function findUnsafeInput(request: Pick<FastifyRequest, 'headers' | 'params' | 'query' | 'body'>) {
  const key = request.headers['idempotency-key'];
  if (typeof key === 'string' && key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    return {
      field: 'Idempotency-Key',
      problems: [`must be at most ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`],
    } satisfies FieldProblem;
  }
  return (
    findUnsafeValue(request.headers, '', 2) ??
    findUnsafeValue(request.params, '', 2) ??
    findUnsafeValue(request.query, '', MAX_DEPTH) ??
    findUnsafeValue(request.body, '', MAX_DEPTH)
  );
}

/**
 * Refuses input no route can store before any guard, pipe or query sees it: a 400 `INVALID_REQUEST` naming the
 * field, instead of a database error (500) that would also fail every other request batched with it. A Fastify hook
 * (after body parsing, before the Nest handler) covers headers and routes without a DTO too.
 */
@Injectable()
export class InputGuard implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    // Route hooks are gathered when Fastify gets ready, which is after the modules' init: every route gets this one.
    fastify?.addHook('preValidation', (request, _reply, done) => {
      const problem = findUnsafeInput(request);
      done(
        problem
          ? new GatewayException('INVALID_REQUEST', `${problem.field}: ${problem.problems[0]}`, [problem])
          : undefined,
      );
    });
  }
}
