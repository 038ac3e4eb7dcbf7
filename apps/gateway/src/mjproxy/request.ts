import { isURL } from 'class-validator';
import { GatewayException } from '../errors/gateway.exception.js';
import type { BodyImage } from '../midjourney/midjourney.service.js';
import { HTTP_URL, type MjAccountFilter } from './mjproxy.dto.js';

/** How the proxies' request fields map onto our requests: image fields, accountFilter. */

const MODE_OF: Record<string, 'relax' | 'fast' | 'turbo'> = { RELAX: 'relax', FAST: 'fast', TURBO: 'turbo' };

/**
 * An image field of the proxies: an http(s) URL, or the image itself (base64 or a data: URL, decoded and checked by
 * the Midjourney service). Something that starts like a URL but is not one is refused here, not read as base64.
 */
export function imageOf(value: string, field: string): { url: string } | { image: BodyImage } {
  if (/^https?:\/\//i.test(value.trim())) {
    if (!isURL(value.trim(), HTTP_URL)) {
      throw new GatewayException('INVALID_REQUEST', `${field}: not a valid http(s) URL`);
    }
    return { url: value.trim() };
  }
  return { image: { field, data: value } };
}

export function imagesOf(values: string[], field: string): { urls: string[]; images: BodyImage[] } {
  const urls: string[] = [];
  const images: BodyImage[] = [];
  values.forEach((value, i) => {
    const one = imageOf(value, `${field}[${i}]`);
    if ('url' in one) urls.push(one.url);
    else images.push(one.image);
  });
  return { urls, images };
}

/** accountFilter: the first allowed mode is the job's mode; instanceId pins the job to that account. */
export function routeOf(filter: MjAccountFilter | undefined): { mode?: 'relax' | 'fast' | 'turbo'; account?: string } {
  const mode = filter?.modes?.length ? MODE_OF[filter.modes[0]] : undefined;
  return { ...(mode ? { mode } : {}), ...(filter?.instanceId ? { account: filter.instanceId } : {}) };
}
