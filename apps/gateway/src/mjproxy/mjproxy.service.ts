import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { Job } from '@app/contracts';
import type { ApiKey } from '../auth/api-key.js';
import { AccountsService } from '../accounts/accounts.service.js';
import { GatewayException } from '../errors/gateway.exception.js';
import { JobsService } from '../jobs/jobs.service.js';
import { WebhooksService } from '../webhooks/webhooks.service.js';
import { toTask } from './task.js';

/** The proxies' submit answer. */
export interface SubmitAnswer {
  code: number;
  description: string;
  result: string | null;
  properties: Record<string, unknown>;
}

export const SUBMITTED = 1;
export const EXISTS = 21;
export const QUEUED = 22;
export const QUEUE_FULL = 23;
export const BANNED = 24;
export const NO_ACCOUNT = 3;
export const VALIDATION = 4;

export const failure = (code: number, description: string, properties: Record<string, unknown> = {}): SubmitAnswer => ({
  code,
  description,
  result: null,
  properties,
});

/**
 * Gateway errors a submit answers with a proxy code (HTTP 200, as the proxies do); others go to the error filter.
 * Code 3 comes only from the pool check (new-api disables the channel on it), never from an error.
 */
const CODE_OF: Partial<Record<string, number>> = {
  QUEUE_FULL: QUEUE_FULL,
  CONTENT_REJECTED: BANNED,
  INVALID_REQUEST: VALIDATION,
  INVALID_PARAMETER: VALIDATION,
  PAYLOAD_TOO_LARGE: VALIDATION,
  NOT_SUPPORTED: VALIDATION,
  ACTION_NOT_ALLOWED: VALIDATION,
  PARENT_NOT_READY: VALIDATION,
  NOT_FOUND: VALIDATION,
  FORBIDDEN_HOST: VALIDATION,
  IDEMPOTENCY_CONFLICT: VALIDATION,
};

/**
 * The idempotency key of a /mj/* submit: the client's Idempotency-Key header, else — only when the request carries
 * a `state` — one derived from the route and body, so a relay resending the same request (same state) gets code 21
 * and the existing task instead of a second generation. Without either, equal prompts are separate tasks.
 */
export function proxyIdempotencyKey(route: string, body: object, header?: string): string | undefined {
  if (header) return header;
  if (typeof (body as { state?: unknown }).state !== 'string' || !(body as { state: string }).state) return undefined;
  return `mj:${createHash('sha256')
    .update(JSON.stringify([route, body]))
    .digest('hex')}`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

@Injectable()
export class MjProxyService {
  constructor(
    private readonly jobs: JobsService,
    private readonly accounts: AccountsService,
    private readonly webhooks: WebhooksService,
  ) {}

  /**
   * Runs a submit — `prepare` checks the request and returns the job's creation — and answers with the proxies' code: 1 submitted, 21 an idempotent resend, 22 queued behind
   * others, 23 queue full, 24 banned prompt, 3 no account of the pool can take work, 4 anything the request got
   * wrong. Code 3 makes new-api disable the channel, so it is used only when the registry shows no usable account;
   * an account the client named (accountFilter.instanceId) that is unknown or disabled is the request's fault: 4.
   */
  async submit(
    prepare: () => () => Promise<{ job: Job; created: boolean }>,
    notifyHook?: string,
    account?: string,
  ): Promise<SubmitAnswer> {
    try {
      // The request's own checks first (images decoded, fields mapped): a bad request is 4 whatever the pool says.
      const create = prepare();
      if (notifyHook) await this.webhooks.assertAllowed(notifyHook);
      const pool = await this.accounts.pool('midjourney');
      if (!pool.some((entry) => entry.signedIn && !entry.disabled)) {
        return failure(NO_ACCOUNT, 'No Midjourney account can take work now (none signed in and enabled)');
      }
      if (account !== undefined) {
        const named = pool.find((entry) => entry.account === account);
        if (!named) return failure(VALIDATION, `accountFilter.instanceId: no Midjourney account '${account}'`);
        if (named.disabled) {
          return failure(VALIDATION, `accountFilter.instanceId: the account '${account}' is taken out of rotation`);
        }
      }
      const { job, created } = await create();
      const task = toTask(job);
      if (!created) {
        return {
          code: EXISTS,
          description: 'Task already exists',
          result: job.id,
          properties: { status: task.status, imageUrl: task.imageUrl, progress: task.progress },
        };
      }
      const queue = await this.jobs.queueOf(job);
      if (queue && queue.position > 1) {
        return {
          code: QUEUED,
          description: `In queue, there are ${queue.position - 1} tasks ahead`,
          result: job.id,
          properties: { numberOfQueues: queue.position - 1, status: task.status },
        };
      }
      return { code: SUBMITTED, description: 'Submit success', result: job.id, properties: { status: task.status } };
    } catch (error) {
      const code = error instanceof GatewayException ? CODE_OF[error.code] : undefined;
      if (code === undefined) throw error;
      return failure(code, (error as Error).message, { error_code: (error as GatewayException).code });
    }
  }

  /** A Midjourney job of this key's scopes, or undefined. */
  async task(key: ApiKey, id: string): Promise<Job | undefined> {
    if (!UUID.test(id)) return undefined; // a task id is a job id; anything else is unknown, not a bad query
    try {
      const job = await this.jobs.get(key, id);
      return job.provider === 'midjourney' ? job : undefined;
    } catch (error) {
      if (error instanceof GatewayException && error.code === 'NOT_FOUND') return undefined;
      throw error;
    }
  }
}
