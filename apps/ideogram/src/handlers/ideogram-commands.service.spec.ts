import { describe, expect, it, vi } from 'vitest';
import { IdeogramBulkDownloadRequest, IdeogramGalleryRequest, ProviderException, parsePayload } from '@app/contracts';
import { strictMock } from '../../../../test/strict-mock.js';
import type { IdeogramAdapter } from '../adapter/ideogram.adapter.js';
import {
  IdeogramCommandsService,
  ProviderStatusError,
  codeForStatus,
  commandError,
} from './ideogram-commands.service.js';

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

  it('tells the caller a lost submission may have been accepted (never a plain error to retry blindly)', () => {
    const lost = new ProviderException('PROVIDER_ERROR', 'connection reset', undefined, { outcomeUnknown: true });
    expect(commandError(lost)).toEqual({
      code: 'SUBMISSION_UNKNOWN',
      message: expect.stringMatching(/may have been accepted/),
    });
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

describe('gallery and bulk download commands', () => {
  const reply = (status: number, body: unknown, headers: Record<string, string> = {}) =>
    Promise.resolve({ status, ok: status < 300, url: '', headers, body });

  it('reads /api/g/u with the original’s query and the caller’s token, passing the site’s status on', async () => {
    const adapter = strictMock<IdeogramAdapter>('adapter', {
      call: vi.fn(() => reply(200, { results: [] })) as unknown as IdeogramAdapter['call'],
    });
    const commands = new IdeogramCommandsService(adapter);
    const request = parsePayload(IdeogramGalleryRequest, { userId: 'u1', token: 'mine' });
    expect(await commands.gallery(request)).toEqual({ gallery: { results: [] } });
    expect(adapter.call).toHaveBeenCalledWith(
      'GET',
      '/api/g/u?user_id=u1&all_privacy=true&filters=everything',
      undefined,
      expect.any(AbortSignal),
      { token: 'mine' },
    );
    adapter.call.mockImplementation(() => reply(404, { detail: 'no' }));
    await expect(commands.gallery(request)).rejects.toMatchObject({
      error: { code: 'NOT_FOUND', message: expect.stringMatching(/Status 404/) },
    });
  });

  it('posts the bulk download and answers the site’s bytes and type', async () => {
    const zip = Buffer.from('PK\u0003\u0004');
    const adapter = strictMock<IdeogramAdapter>('adapter', {
      call: vi.fn(() =>
        reply(200, zip, { 'content-type': 'application/zip; charset=binary' }),
      ) as unknown as IdeogramAdapter['call'],
    });
    const commands = new IdeogramCommandsService(adapter);
    const request = parsePayload(IdeogramBulkDownloadRequest, { imageIds: ['a', 'b'] });
    expect(await commands.bulkDownload(request)).toEqual({ bytes: zip, contentType: 'application/zip' });
    expect(adapter.call).toHaveBeenCalledWith(
      'POST',
      '/api/d/images',
      { image_ids: ['a', 'b'], cover_only: false, request_ids: [] },
      expect.any(AbortSignal),
      { bytes: true, token: undefined, timeoutMs: 90_000 },
    );
    adapter.call.mockImplementation(() => reply(429, Buffer.alloc(0)));
    await expect(commands.bulkDownload(request)).rejects.toMatchObject({ code: 'RATE_LIMITED' });
  });
});
