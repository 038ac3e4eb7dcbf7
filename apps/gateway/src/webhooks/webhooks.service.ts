import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { createHmac } from 'node:crypto';
import type { Job } from '@app/contracts';
import { LOOKUP_TIMEOUT_CODE } from '@app/net';
import { jobView } from '../jobs/job-view.js';
import { isDatabaseUnavailable } from '../persistence/database.js';
import { OutageLog } from '../persistence/outage-log.js';
import { GatewayException } from '../errors/gateway.exception.js';
import { SqlClient } from '../persistence/sql-client.js';
import { WebhookConfig } from './webhook.config.js';
import { PROGRESS_THROTTLE_S, webhookDeliveries } from './webhook-events.js';
import { WebhookRefused, WebhookSender } from './webhook-sender.js';

export { WebhookConfig } from './webhook.config.js';

/** A claimed delivery is not due again for this long (beyond the request timeout), so no replica sends it twice. */
const LEASE_S = 60;
const REQUEST_TIMEOUT_MS = 10_000;

interface Due {
  id: string;
  url: string;
  payload: unknown;
  attempts: number;
  job_id: string;
  event: string;
}

/** Signs a body: `t=<unix s>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>` (replay-resistant, like Stripe's). */
export function signWebhook(secret: string, body: string, timestamp = Math.floor(Date.now() / 1000)): string {
  return `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * The HMAC key of a Standard Webhooks secret: `whsec_<base64>` is the base64-decoded bytes (what every Standard
 * Webhooks library does); a secret without the prefix is used as its UTF-8 bytes (a verifier library then takes
 * `whsec_` + base64 of it).
 */
export function standardKey(secret: string): Buffer {
  return secret.startsWith('whsec_') ? Buffer.from(secret.slice(6), 'base64') : Buffer.from(secret, 'utf8');
}

/**
 * Standard Webhooks headers (standardwebhooks.com, as Replicate sends them): `webhook-id` (the delivery id, the same
 * on every retry), `webhook-timestamp` (unix s), `webhook-signature: v1,<base64 HMAC-SHA256(key, "id.ts.body")>`,
 * one signature per secret so a receiver holding either of two rotating secrets verifies.
 */
export function standardWebhookHeaders(
  secrets: readonly string[],
  id: string,
  body: string,
  timestamp = Math.floor(Date.now() / 1000),
): Record<string, string> {
  const headers: Record<string, string> = { 'webhook-id': id, 'webhook-timestamp': String(timestamp) };
  if (secrets.length) {
    headers['webhook-signature'] = secrets
      .map(
        (secret) =>
          `v1,${createHmac('sha256', standardKey(secret)).update(`${id}.${timestamp}.${body}`).digest('base64')}`,
      )
      .join(' ');
  }
  return headers;
}

/** WEBHOOK_SECRET: one secret, or two comma-separated during a rotation (the first also signs x-gateway-signature). */
export function webhookSecrets(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .slice(0, 2);
}

/** Webhooks are recorded before delivery and retried with backoff, so a restart loses none. */
@Injectable()
export class WebhooksService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WebhooksService.name);
  private timer?: NodeJS.Timeout;
  private running = false;
  private readonly outage = new OutageLog(this.logger, 'webhook delivery (reading due deliveries)');

  constructor(
    private readonly sql: SqlClient,
    private readonly config: WebhookConfig,
    private readonly sender: WebhookSender,
  ) {}

  /** Refuses, at submission, a webhook URL the guard would refuse at delivery (400 FORBIDDEN_HOST). */
  async assertAllowed(url: string): Promise<void> {
    const reason = await this.sender.refusal(url).catch((error: unknown) => {
      // A resolver too slow to answer: the host cannot be checked now, so the request is refused, not held.
      if ((error as { code?: unknown })?.code !== LOOKUP_TIMEOUT_CODE) throw error;
      throw new GatewayException(
        'FORBIDDEN_HOST',
        `webhook_url: ${(error as Error).message}, so it cannot be checked; try again`,
        [{ field: 'webhook_url', problems: ['the host name did not resolve in time'] }],
        400,
      );
    });
    if (reason) {
      throw new GatewayException(
        'FORBIDDEN_HOST',
        `webhook_url: ${reason}; webhooks only go to public addresses (WEBHOOK_ALLOW_PRIVATE_URLS)`,
        [{ field: 'webhook_url', problems: [reason] }],
        400,
      );
    }
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.deliverDue(), 1000);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Records what this change of the job asks of its webhook, under the job's `webhook_events` filter. */
  async enqueue(job: Job): Promise<void> {
    if (!job.webhookUrl) return;
    for (const delivery of webhookDeliveries(job)) {
      const payload = { event: delivery.event, job: jobView(job) };
      if (delivery.throttled) {
        await this.enqueueProgress(job.id, 'webhook', delivery.key, job.webhookUrl, payload);
      } else {
        await this.enqueueEvent(job.id, delivery.key, job.webhookUrl, payload);
      }
    }
  }

  /**
   * Records a progress delivery unless this job's hook (`webhook`, or a /mj/* task's `notify` hook) had one in the
   * last PROGRESS_THROTTLE_S. The gate is a conditional update of the job's row in the same statement: concurrent
   * replicas serialize on the row, so at most one of them records a delivery per window.
   */
  async enqueueProgress(jobId: string, hook: 'webhook' | 'notify', event: string, url: string, payload: unknown) {
    const column = hook === 'webhook' ? 'webhook_progress_at' : 'notify_progress_at';
    await this.sql.query(
      `WITH gate AS (
         UPDATE jobs SET ${column} = now()
         WHERE id = $1 AND (${column} IS NULL OR ${column} <= now() - make_interval(secs => $5))
         RETURNING id
       )
       INSERT INTO webhook_deliveries (job_id, event, url, payload)
       SELECT id, $2, $3, $4::jsonb FROM gate
       ON CONFLICT (job_id, event) DO NOTHING`,
      [jobId, event, url, JSON.stringify(payload), PROGRESS_THROTTLE_S],
    );
    void this.deliverDue();
  }

  /**
   * Records one delivery: `id` (a uuid: a job's, or an operator alert's) and `event` make it unique, so replicas
   * recording the same happening (or an event redelivered) deliver it once.
   */
  async enqueueEvent(id: string, event: string, url: string, payload: unknown): Promise<void> {
    await this.sql.query(
      'INSERT INTO webhook_deliveries (job_id, event, url, payload) VALUES ($1, $2, $3, $4::jsonb) ON CONFLICT (job_id, event) DO NOTHING',
      [id, event, url, JSON.stringify(payload)],
    );
    void this.deliverDue();
  }

  /** One step of the delivery loop: claims what is due (a lease, so no other replica sends it too) and sends it. */
  async deliverDue(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const due = await this.sql.query<Due>(
        `UPDATE webhook_deliveries SET next_attempt_at = now() + make_interval(secs => $1)
         WHERE id IN (
           SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= now()
           ORDER BY id LIMIT 20 FOR UPDATE SKIP LOCKED
         )
         RETURNING id, url, payload, attempts, job_id, event`,
        [LEASE_S],
      );
      this.outage.succeeded();
      await Promise.all(due.map((d) => this.deliver(d)));
    } catch (error) {
      if (!isDatabaseUnavailable(error)) this.outage.failed(error); // the Database logs its own outage
    } finally {
      this.running = false;
    }
  }

  private async deliver(d: Due): Promise<void> {
    const body = JSON.stringify(d.payload);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'generation-gateway-webhooks',
      'x-gateway-event': d.event,
      'x-gateway-delivery': String(d.id),
    };
    const secrets = webhookSecrets(this.config.secret);
    Object.assign(headers, standardWebhookHeaders(secrets, `msg_${d.id}`, body));
    // The gateway's own older scheme, kept for existing receivers.
    if (secrets[0]) headers['x-gateway-signature'] = signWebhook(secrets[0], body);
    let status = 0;
    let error: string | null = null;
    let refused = false;
    try {
      status = await this.sender.post(d.url, headers, body, REQUEST_TIMEOUT_MS);
    } catch (e) {
      refused = e instanceof WebhookRefused;
      error = refused ? `refused: ${(e as Error).message} (WEBHOOK_ALLOW_PRIVATE_URLS=false)` : String(e);
    }
    const attempts = d.attempts + 1;
    const ok = status >= 200 && status < 300;
    const delays = this.config.retryDelaysMs;
    // A refused host stays refused: no retry would change that.
    const giveUp = !ok && (refused || attempts > delays.length);
    await this.sql.query(
      `UPDATE webhook_deliveries SET attempts = $2, last_status = $3, last_error = $4, updated_at = now(),
         status = $5, next_attempt_at = now() + $6::int * interval '1 millisecond' WHERE id = $1`,
      [
        d.id,
        attempts,
        status || null,
        error,
        ok ? 'delivered' : giveUp ? 'failed' : 'pending',
        ok || giveUp ? 0 : delays[attempts - 1],
      ],
    );
    if (giveUp) {
      this.logger.warn(`webhook for job ${d.job_id} given up after ${attempts} attempts (${status || error})`);
    } else if (!ok) {
      this.logger.warn(`webhook for job ${d.job_id} attempt ${attempts} failed (${status || error})`);
    }
  }
}
