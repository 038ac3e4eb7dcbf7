import { Body, Controller, Get, Headers, Param, Post, Query } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Type } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, IsString, ValidateNested } from 'class-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEYS, wiringApp } from '../../../../test/gateway-wiring.js';
import { findUnsafeValue, MAX_DEPTH, storable } from './input-guard.js';
import { findCoercion, LenientFields } from './validation.pipe.js';

class Inner {
  @IsOptional() @Type(() => Number) @IsInt() n?: number;
}
class ProbeBody {
  @IsString() prompt!: string;
  @IsOptional() @Type(() => Number) @IsInt() count?: number;
  @IsOptional() @IsBoolean() flag?: boolean;
  @IsOptional() @ValidateNested() @Type(() => Inner) inner?: Inner;
}
@LenientFields()
class LenientBody {
  @IsOptional() @Type(() => Number) @IsInt() count?: number;
}
class ProbeQuery {
  @IsOptional() @Type(() => Number) @IsInt() limit?: number;
  @IsOptional() @IsString() q?: string;
}

/** Stands in for any route: every request that passes the guard is echoed. */
@Controller()
class ProbeController {
  @Post('v1/probe')
  body(@Body() body: ProbeBody, @Headers('idempotency-key') key?: string) {
    return { body, key };
  }
  @Get('v1/probe/:id')
  param(@Param('id') id: string, @Query() query: ProbeQuery) {
    return { id, query };
  }
  @Post('midjourney/probe')
  compat(@Body() body: LenientBody) {
    return { body };
  }
}

let app: NestFastifyApplication;
beforeAll(async () => {
  app = await wiringApp([ProbeController], []);
});
afterAll(async () => {
  await app?.close();
});

const auth = { 'x-api-key': KEYS.all, 'content-type': 'application/json' };
const post = (url: string, payload: string, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url, payload, headers: { ...auth, ...headers } });
const get = (url: string) => app.inject({ method: 'GET', url, headers: auth });

describe('InputGuard and the strict pipe on every route', () => {
  it.each([
    ['a NUL byte in a string', '{"prompt":"fox\\u0000"}', 'prompt', /NUL/],
    ['a lone high surrogate', '{"prompt":"fox\\ud800"}', 'prompt', /surrogate/],
    ['a lone low surrogate', '{"prompt":"\\udc00fox"}', 'prompt', /surrogate/],
    ['a NUL in a nested name', '{"prompt":"fox","inner":{"a\\u0000":1}}', 'inner.a\u0000', /name .*NUL/],
    ['a NUL deep in an unknown field', '{"prompt":"fox","x":[{"y":["\\u0000"]}]}', 'x.0.y.0', /NUL/],
    [
      'JSON nested 10,000 deep in an unknown field',
      `{"prompt":"fox","x":${'['.repeat(10_000)}${']'.repeat(10_000)}}`,
      'x' + '.0'.repeat(MAX_DEPTH - 1),
      /nest deeper/,
    ],
  ])('answers %s with 400 INVALID_REQUEST naming the field', async (_what, payload, field, problem) => {
    const res = await post('/v1/probe', payload);
    expect(res.statusCode).toBe(400);
    const { error } = res.json<{ error: { code: string; message: string; details: unknown } }>();
    expect(error.code).toBe('INVALID_REQUEST');
    expect(error.details).toEqual([{ field, problems: [expect.stringMatching(problem)] }]);
  });

  it('keeps well-formed text, surrogate pairs included', async () => {
    const res = await post('/v1/probe', JSON.stringify({ prompt: 'a 🦊 in the snow', count: '3' }));
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({ body: { prompt: 'a 🦊 in the snow', count: 3 } });
  });

  it('checks the query, path parameters and headers too', async () => {
    expect((await get('/v1/probe/a%00b')).json()).toMatchObject({
      error: { code: 'INVALID_REQUEST', details: [{ field: 'id' }] },
    });
    expect((await get('/v1/probe/x?q=%00')).json()).toMatchObject({
      error: { code: 'INVALID_REQUEST', details: [{ field: 'q' }] },
    });
    const longKey = await post('/v1/probe', '{"prompt":"fox"}', { 'idempotency-key': 'k'.repeat(256) });
    expect(longKey.statusCode).toBe(400);
    expect(longKey.json()).toMatchObject({ error: { details: [{ field: 'Idempotency-Key' }] } });
    const fine = await post('/v1/probe', '{"prompt":"fox"}', { 'idempotency-key': 'k'.repeat(255) });
    expect(fine.statusCode).toBe(201);
  });

  it('answers the original routes in their own error shape', async () => {
    const res = await post('/midjourney/probe', '{"count":"\\u0000"}');
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ success: false, code: 'INVALID_REQUEST', error: expect.stringMatching(/NUL/) });
  });

  it.each([
    ['a boolean for a number', '{"prompt":"fox","count":true}', 'count'],
    ['a boolean for a nested number', '{"prompt":"fox","inner":{"n":false}}', 'inner.n'],
    ['an empty string for a number', '{"prompt":"fox","count":" "}', 'count'],
  ])('refuses %s on a strict DTO instead of coercing it', async (_what, payload, field) => {
    const res = await post('/v1/probe', payload);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: 'INVALID_REQUEST', details: [{ field }] } });
  });

  it('still reads numbers from numeric strings, in bodies and queries', async () => {
    expect((await post('/v1/probe', '{"prompt":"fox","inner":{"n":"-2"}}')).json()).toEqual({
      body: { prompt: 'fox', inner: { n: -2 } },
    });
    expect((await get('/v1/probe/x?limit=5')).json()).toEqual({ id: 'x', query: { limit: 5 } });
    expect((await get('/v1/probe/x?limit=true')).statusCode).toBe(400);
  });

  it('keeps the lenient DTOs of the original routes lenient', async () => {
    const res = await post('/midjourney/probe', '{"count":true}');
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({ body: { count: 1 } });
  });
});

describe(findUnsafeValue.name, () => {
  it('finds nothing in ordinary values', () => {
    expect(findUnsafeValue({ a: ['x', 1, null, { b: 'é🦊' }], c: true })).toBeNull();
    expect(findUnsafeValue(undefined)).toBeNull();
  });

  it('walks 100,000 levels without recursion', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(findUnsafeValue(deep, '', 200_000)).toBeNull();
    expect(findUnsafeValue(deep)?.problems).toEqual([`must not nest deeper than ${MAX_DEPTH} levels`]);
  });
});

describe(findCoercion.name, () => {
  it.each([
    [{ a: '7' }, { a: 7 }, null],
    [{ a: 7 }, { a: '7' }, null],
    [{ a: 'true' }, { a: true }, null],
    [{ a: '2026-01-01T00:00:00Z' }, { a: new Date('2026-01-01T00:00:00Z') }, null],
    [{ a: true }, { a: 1 }, { field: 'a', problems: ['must be a number, not a boolean'] }],
    [{ a: 'yes' }, { a: true }, { field: 'a', problems: ['must be a boolean, not a string'] }],
    [{ a: '0x10' }, { a: 16 }, { field: 'a', problems: ['must be a number, not a string'] }],
    [{ a: [{ b: [] }] }, { a: [{ b: 0 }] }, { field: 'a.0.b', problems: ['must be a number, not an array'] }],
  ])('%j → %j: %j', (raw, out, expected) => {
    expect(findCoercion(raw, out)).toEqual(expected);
  });
});

describe(storable.name, () => {
  it('makes provider text storable: NUL dropped, lone surrogates replaced, pairs and the rest kept', () => {
    const event = { result: { text: 'fox\u0000 \ud800 🦊', blocks: ['a\udc00b'] }, seq: 3, ok: true };
    expect(storable(event)).toEqual({ result: { text: 'fox \uFFFD 🦊', blocks: ['a\uFFFDb'] }, seq: 3, ok: true });
    expect(findUnsafeValue(storable(event))).toBeNull();
  });
});
