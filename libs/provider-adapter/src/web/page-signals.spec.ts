import { describe, expect, it } from 'vitest';
import { isChallenge, pngSize } from './page-signals.js';

describe('isChallenge', () => {
  const page = '<html><head><title>Just a moment...</title></head></html>';

  it.each([403, 200, 503])('recognises the Cloudflare interstitial with HTTP %i', (status) => {
    expect(isChallenge({ status, body: page })).toBe(true);
  });

  it.each(['<script src="/cdn-cgi/challenge-platform/h/b/orchestrate/jsch/v1">', 'window._cf_chl_opt = {}'])(
    'recognises the challenge script %s',
    (body) => {
      expect(isChallenge({ status: 403, body })).toBe(true);
    },
  );

  it('ignores other statuses, plain 403s and JSON bodies', () => {
    expect(isChallenge({ status: 429, body: page })).toBe(false);
    expect(isChallenge({ status: 500, body: page })).toBe(false);
    expect(isChallenge({ status: 403, body: 'Forbidden' })).toBe(false);
    expect(isChallenge({ status: 200, body: { message: 'Just a moment' } })).toBe(false);
  });
});

describe('pngSize', () => {
  const header = (width: number, height: number) => {
    const bytes = Buffer.alloc(33);
    Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex').copy(bytes);
    bytes.writeUInt32BE(width, 16);
    bytes.writeUInt32BE(height, 20);
    return bytes;
  };

  it('reads the IHDR width and height', () => {
    expect(pngSize(header(1456, 816))).toEqual({ width: 1456, height: 816 });
  });

  it('answers undefined for other formats and truncated files', () => {
    expect(pngSize(Buffer.from('ffd8ffe000104a46494600010100000100010000', 'hex'))).toBeUndefined();
    expect(pngSize(header(10, 10).subarray(0, 23))).toBeUndefined();
  });
});
