import { Injectable } from '@nestjs/common';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { PRIVATE_ADDRESS_CODE, privateHostReason, publicOnlyLookup } from '@app/net';
import { WebhookConfig } from './webhook.config.js';

/** A webhook URL the guard refuses: recorded as a failed delivery, never retried. */
export class WebhookRefused extends Error {}

/**
 * Sends one webhook POST. With the guard on (WEBHOOK_ALLOW_PRIVATE_URLS=false) the host is checked, the socket
 * connects only to an address the lookup accepted (no DNS rebinding), and redirects are never followed
 * (`node:http` does not follow them): a 3xx is just a failed attempt.
 */
@Injectable()
export class WebhookSender {
  constructor(private readonly config: WebhookConfig) {}

  /** Why a webhook URL must not be called, or undefined when it may (always undefined with the guard off). */
  async refusal(url: string): Promise<string | undefined> {
    if (this.config.allowPrivateUrls) return undefined;
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return 'not a valid URL';
    }
    if (!['http:', 'https:'].includes(parsed.protocol)) return 'only http(s) URLs are called';
    return privateHostReason(parsed, { timeoutMs: this.config.lookupTimeoutMs });
  }

  /** POSTs the body and answers the status; throws WebhookRefused for a private host, other errors as they come. */
  async post(url: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<number> {
    const reason = await this.refusal(url);
    if (reason) throw new WebhookRefused(reason);
    const target = new URL(url);
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<number>((resolve, reject) => {
      const req = send(
        target,
        {
          method: 'POST',
          headers: { ...headers, 'content-length': Buffer.byteLength(body) },
          signal: AbortSignal.timeout(timeoutMs),
          ...(this.config.allowPrivateUrls ? {} : { lookup: publicOnlyLookup }),
        },
        (res: IncomingMessage) => {
          res.resume(); // the answer's body is not needed, but must be drained
          res.once('end', () => resolve(res.statusCode ?? 0));
          res.once('error', reject);
        },
      );
      req.once('error', (error: NodeJS.ErrnoException) =>
        reject(error.code === PRIVATE_ADDRESS_CODE ? new WebhookRefused(error.message) : error),
      );
      req.end(body);
    });
  }
}
