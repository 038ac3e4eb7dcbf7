import { describe, expect, it } from 'vitest';
import { ProviderException } from '@app/contracts';
import { ProviderStatusError, codeForStatus, commandError } from './ideogram-commands.service.js';

describe('quick command errors', () => {
  it('passes the provider’s status on as the code of the same HTTP status', () => {
    expect([400, 401, 403, 404, 422, 429, 500, 503].map(codeForStatus)).toEqual([
      'INVALID_PARAMETER',
      'UNAUTHENTICATED',
      'UNAUTHENTICATED',
      'NOT_FOUND',
      'INVALID_PARAMETER',
      'RATE_LIMITED',
      'PROVIDER_ERROR',
      'PROVIDER_ERROR',
    ]);
    expect(commandError(new ProviderStatusError(404, 'Ideogram answered Status 404'))).toEqual({
      code: 'NOT_FOUND',
      message: 'Ideogram answered Status 404',
    });
  });

  it('answers a refused caller token as the caller’s 401, not as the account’s lost session', () => {
    const refused = new ProviderException('SIGNED_OUT', 'refused', { status: 401 }, { callerToken: true });
    expect(commandError(refused).code).toBe('UNAUTHENTICATED');
    expect(commandError(new ProviderException('SIGNED_OUT', 'session gone')).code).toBe('SIGNED_OUT');
  });

  it('keeps provider codes and classifies anything else', () => {
    expect(commandError(new ProviderException('UPLOAD_FAILED', 'bad image'))).toEqual({
      code: 'UPLOAD_FAILED',
      message: 'bad image',
    });
    expect(commandError(Object.assign(new Error('slow'), { name: 'TimeoutError' })).code).toBe('PROVIDER_TIMEOUT');
    expect(commandError('weird')).toEqual({ code: 'PROVIDER_ERROR', message: 'weird' });
  });
});
