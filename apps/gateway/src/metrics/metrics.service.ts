import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { isTerminal, type Job } from '@app/contracts';
import { SqlClient } from '../persistence/sql-client.js';

/**
 * Prometheus metrics of the gateway. Counters move on state transitions only (never on redelivered events), and
 * the open-job gauge is read from the database at scrape time, so it is right across restarts and replicas.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private readonly created = new Counter({
    name: 'gateway_jobs_created_total',
    help: 'Jobs accepted (202), by provider and operation',
    labelNames: ['provider', 'operation'],
    registers: [this.registry],
  });
  private readonly finished = new Counter({
    name: 'gateway_jobs_finished_total',
    help: 'Jobs that reached a final status',
    labelNames: ['provider', 'status'],
    registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: 'gateway_job_duration_seconds',
    help: 'Time from acceptance to the final status',
    labelNames: ['provider', 'status'],
    buckets: [5, 15, 30, 60, 120, 300, 600, 1200, 3600],
    registers: [this.registry],
  });
  private readonly publishFailures = new Counter({
    name: 'gateway_job_publish_failures_total',
    help: 'Job messages that could not be handed to JetStream at once (retried by the sweeper)',
    registers: [this.registry],
  });

  private readonly replicaChanges = new Counter({
    name: 'gateway_replica_job_changes_total',
    help: 'Job changes announced to the other gateway replicas (sent) and heard from them (received)',
    labelNames: ['direction'],
    registers: [this.registry],
  });

  constructor(sql: SqlClient) {
    collectDefaultMetrics({ register: this.registry, prefix: 'gateway_' });
    new Gauge({
      name: 'gateway_jobs_open',
      help: 'Jobs pending or processing, by provider and status',
      labelNames: ['provider', 'status'],
      registers: [this.registry],
      async collect() {
        const rows = await sql.query<{ provider: string; status: string; n: number | string }>(
          "SELECT provider, status, count(*) AS n FROM jobs WHERE status IN ('pending', 'processing') GROUP BY provider, status",
        );
        this.reset();
        for (const row of rows) this.set({ provider: row.provider, status: row.status }, Number(row.n));
      },
    });
  }

  jobCreated(job: Job): void {
    this.created.inc({ provider: job.provider, operation: job.operation });
  }

  /** Called once per real transition; counts and times final ones. */
  jobChanged(job: Job): void {
    if (!isTerminal(job.status)) return;
    this.finished.inc({ provider: job.provider, status: job.status });
    this.duration.observe(
      { provider: job.provider, status: job.status },
      (Date.parse(job.completedAt ?? job.updatedAt) - Date.parse(job.createdAt)) / 1000,
    );
  }

  replicaChange(direction: 'sent' | 'received'): void {
    this.replicaChanges.inc({ direction });
  }

  publishFailed(): void {
    this.publishFailures.inc();
  }
}
