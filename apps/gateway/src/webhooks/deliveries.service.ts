import { Injectable } from '@nestjs/common';
import type { ApiKey } from '../auth/api-key.js';
import { GatewayException } from '../errors/gateway.exception.js';
import { DeliveriesRepository, type DeliveryRow } from './deliveries.repository.js';
import { WebhooksService } from './webhooks.service.js';

const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);

export function deliveryView(row: DeliveryRow) {
  return {
    id: row.id,
    job_id: row.job_id,
    provider: row.provider,
    event: row.event,
    url: row.url,
    status: row.status,
    attempts: row.attempts,
    last_status: row.last_status,
    last_error: row.last_error,
    next_attempt_at: iso(row.next_attempt_at),
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
}

/** Keys with `*` or `admin` see every delivery; others those of jobs of their providers (as with jobs). */
const visibleProviders = (key: ApiKey) =>
  key.scopes.includes('*') || key.scopes.includes('admin') ? null : key.scopes;

@Injectable()
export class DeliveriesService {
  constructor(
    private readonly deliveries: DeliveriesRepository,
    private readonly webhooks: WebhooksService,
  ) {}

  async list(key: ApiKey, query: { status?: string; job_id?: string; limit: number; cursor?: string }) {
    const rows = await this.deliveries.list({
      providers: visibleProviders(key),
      status: query.status,
      jobId: query.job_id,
      limit: query.limit + 1,
      beforeId: query.cursor,
    });
    const page = rows.slice(0, query.limit);
    return {
      data: page.map(deliveryView),
      next_cursor: rows.length > query.limit ? (page.at(-1)?.id ?? null) : null,
    };
  }

  async retry(key: ApiKey, id: string) {
    const row = await this.deliveries.retry(id, visibleProviders(key));
    if (!row) throw new GatewayException('NOT_FOUND', `No webhook delivery ${id}`);
    void this.webhooks.deliverDue();
    return deliveryView(row);
  }
}
