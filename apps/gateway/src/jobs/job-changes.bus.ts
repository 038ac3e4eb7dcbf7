import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Subjects, type Job } from '@app/contracts';
import { NatsService } from '@app/messaging';
import type { Subscription } from '@nats-io/transport-node';
import { MetricsService } from '../metrics/metrics.service.js';
import { JobNotifier } from './job-notifier.js';

interface Announcement {
  origin: string;
  job: Job;
}

/**
 * Connects the gateway replicas' JobNotifiers over core NATS: each replica announces the job changes it made and
 * hears the others'. Fire-and-forget by design — the jobs table is the truth; an announcement lost while NATS is
 * down only delays what a waiting client sees until its stream or wait re-reads the row (JOB_REREAD_MS).
 */
@Injectable()
export class JobChangesBus implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(JobChangesBus.name);
  private readonly origin = randomUUID();
  private subscription?: Subscription;
  private closed = false;

  constructor(
    private readonly nats: NatsService,
    private readonly notifier: JobNotifier,
    private readonly metrics: MetricsService,
  ) {}

  onApplicationBootstrap(): void {
    this.notifier.bridge((job) => this.announce(job));
    // In the background: the gateway starts (and answers 503 where it must) while NATS is down.
    void this.nats
      .connection()
      .then((nc) => {
        if (this.closed) return;
        this.subscription = nc.subscribe(Subjects.gatewayJobChanges, {
          callback: (error, msg) => {
            if (error) return;
            try {
              const { origin, job } = msg.json<Announcement>();
              if (origin === this.origin || !job?.id) return;
              this.metrics.replicaChange('received');
              this.notifier.receive(job);
            } catch {
              // not ours to read; ignore
            }
          },
        });
      })
      .catch((error: unknown) => this.logger.warn(`job change announcements unavailable: ${String(error)}`));
  }

  onApplicationShutdown(): void {
    this.closed = true;
    this.subscription?.unsubscribe();
  }

  private announce(job: Job): void {
    if (!this.nats.isConnected()) return;
    void this.nats
      .connection()
      .then((nc) => {
        nc.publish(Subjects.gatewayJobChanges, JSON.stringify({ origin: this.origin, job }));
        this.metrics.replicaChange('sent');
      })
      .catch(() => undefined); // the row is the truth; readers re-read it
  }
}
