import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { createHmac } from 'node:crypto';
import type { Job } from '@app/contracts';
import { jobView } from '../jobs/job-view.js';
import { SqlClient } from '../persistence/sql-client.js';

const BACKOFF_S = [5, 30, 120, 600, 1800, 3600];

export class WebhookConfig {
  secret?: string;
}

/** Signs a body: `t=<unix s>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>` (replay-resistant, like Stripe's). */
export function signWebhook(secret: string, body: string, timestamp = Math.floor(Date.now() / 1000)): string {
  return `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** Webhooks are recorded before delivery and retried with backoff, so a restart loses none. */
@Injectable()
export class WebhooksService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WebhooksService.name);
  private timer?: NodeJS.Timeout;
  private running = false;

  constructor(
    private readonly sql: SqlClient,
    private readonly config: WebhookConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.deliverDue(), 1000);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async enqueue(job: Job): Promise<void> {
    if (!job.webhookUrl) return;
    const payload = { event: `job.${job.status}`, job: jobView(job) };
    await this.sql.query(
      'INSERT INTO webhook_deliveries (job_id, event, url, payload) VALUES ($1, $2, $3, $4::jsonb) ON CONFLICT (job_id, event) DO NOTHING',
      [job.id, payload.event, job.webhookUrl, JSON.stringify(payload)],
    );
    void this.deliverDue();
  }

  async deliverDue(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const due = await this.sql.query<{
        id: string;
        url: string;
        payload: unknown;
        attempts: number;
        job_id: string;
        event: string;
      }>(
        "SELECT id, url, payload, attempts, job_id, event FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= now() ORDER BY id LIMIT 20",
      );
      await Promise.all(due.map((d) => this.deliver(d)));
    } catch (error) {
      this.logger.warn(`webhook sweep: ${String(error)}`);
    } finally {
      this.running = false;
    }
  }

  private async deliver(d: {
    id: string;
    url: string;
    payload: unknown;
    attempts: number;
    job_id: string;
    event: string;
  }): Promise<void> {
    const body = JSON.stringify(d.payload);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'generation-gateway-webhooks',
      'x-gateway-event': d.event,
      'x-gateway-delivery': String(d.id),
    };
    if (this.config.secret) headers['x-gateway-signature'] = signWebhook(this.config.secret, body);
    let status = 0;
    let error: string | null = null;
    try {
      const res = await fetch(d.url, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(10_000),
        redirect: 'manual',
      });
      status = res.status;
      await res.arrayBuffer();
    } catch (e) {
      error = String(e);
    }
    const attempts = d.attempts + 1;
    const ok = status >= 200 && status < 300;
    const give_up = !ok && attempts > BACKOFF_S.length;
    await this.sql.query(
      `UPDATE webhook_deliveries SET attempts = $2, last_status = $3, last_error = $4, updated_at = now(),
         status = $5, next_attempt_at = now() + make_interval(secs => $6) WHERE id = $1`,
      [
        d.id,
        attempts,
        status || null,
        error,
        ok ? 'delivered' : give_up ? 'failed' : 'pending',
        ok || give_up ? 0 : BACKOFF_S[attempts - 1],
      ],
    );
    if (!ok) this.logger.warn(`webhook for job ${d.job_id} attempt ${attempts} failed (${status || error})`);
  }
}
