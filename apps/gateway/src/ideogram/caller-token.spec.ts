import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { presentedKey } from '../auth/auth.decorators.js';
import { GatewayException } from '../errors/gateway.exception.js';
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

  it('refuses a token longer than any Ideogram token before it reaches a worker', () => {
    const long = { 'x-api-key': 'k', authorization: `Bearer ${'t'.repeat(8193)}` };
    expect(() => callerIdeogramToken(long)).toThrow(GatewayException);
    expect(callerIdeogramToken({ 'x-api-key': 'k', authorization: `Bearer ${'t'.repeat(8192)}` })).toHaveLength(8192);
    // Without x-api-key the Bearer is the gateway key, whatever its length (the key check refuses it).
    expect(callerIdeogramToken({ authorization: `Bearer ${'t'.repeat(9000)}` })).toBeUndefined();
  });
});
