import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { presentedKey } from '../auth/auth.decorators.js';
import { callerIdeogramToken } from './caller-token.js';

const request = (headers: Record<string, string>) => ({ headers }) as unknown as FastifyRequest;

describe('API key and caller token on the original routes', () => {
  it('reads a Bearer as the caller’s Ideogram token only when x-api-key carries the gateway key', () => {
    const both = { 'x-api-key': 'gw_key', authorization: 'Bearer ideogram-token' };
    expect(presentedKey(request(both))).toBe('gw_key');
    expect(callerIdeogramToken(both)).toBe('ideogram-token');
  });

  it('takes a lone Bearer as the gateway key, leaving no caller token', () => {
    const bearerOnly = { authorization: 'Bearer gw_key' };
    expect(presentedKey(request(bearerOnly))).toBe('gw_key');
    expect(callerIdeogramToken(bearerOnly)).toBeUndefined();
  });

  it('ignores empty, non-Bearer and missing authorization headers', () => {
    expect(callerIdeogramToken({ 'x-api-key': 'k', authorization: 'Basic abc' })).toBeUndefined();
    expect(callerIdeogramToken({ 'x-api-key': 'k', authorization: 'Bearer ' })).toBeUndefined();
    expect(callerIdeogramToken({ 'x-api-key': 'k' })).toBeUndefined();
    expect(callerIdeogramToken({ 'x-api-key': '', authorization: 'Bearer t' })).toBeUndefined();
  });
});
