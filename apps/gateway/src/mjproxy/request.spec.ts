import { describe, expect, it } from 'vitest';
import { GatewayException } from '../errors/gateway.exception.js';
import { imageOf, imagesOf, routeOf } from './request.js';

describe('proxy request mapping', () => {
  it('an image field is a URL when it is one, the image itself otherwise, named by its field', () => {
    expect(imageOf(' https://example.com/a.png ', 'image')).toEqual({ url: 'https://example.com/a.png' });
    expect(imageOf('data:image/png;base64,AAAA', 'base64')).toEqual({
      image: { field: 'base64', data: 'data:image/png;base64,AAAA' },
    });
    expect(() => imageOf('http://[not', 'endImage')).toThrow(GatewayException);
    expect(() => imageOf('http://[not', 'endImage')).toThrow('endImage: not a valid http(s) URL');
    expect(imagesOf(['iVBO', 'http://example.com/b.png', 'R0lG'], 'base64Array')).toEqual({
      urls: ['http://example.com/b.png'],
      images: [
        { field: 'base64Array[0]', data: 'iVBO' },
        { field: 'base64Array[2]', data: 'R0lG' },
      ],
    });
  });

  it('accountFilter: the first mode is the job’s, instanceId the account; nothing when absent', () => {
    expect(routeOf({ modes: ['TURBO', 'RELAX'], instanceId: 'acct-2' })).toEqual({ mode: 'turbo', account: 'acct-2' });
    expect(routeOf({ modes: [] })).toEqual({});
    expect(routeOf(undefined)).toEqual({});
  });
});
