import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Subjects, type Job } from '@app/contracts';
import { NatsService } from '@app/messaging';
import type { Subscription } from '@nats-io/transport-node';
import { ApiKeysService } from './auth/api-keys.service.js';
import { JobNotifier } from './jobs/job-notifier.js';
import { MetricsService } from './metrics/metrics.service.js';

type Body = { kind: 'job'; job: Job } | { kind: 'keys' };
type Announcement = Body & { origin: string };

/**
 * Connects the gateway replicas over core NATS: each announces the job changes it made (so every replica's SSE
 * streams, `Prefer: wait` callers and job cache see them, whichever replica consumed the event) and changes to API
 * keys (so a revocation takes effect on every replica at once). Fire-and-forget by design: the database is the
 * truth, and what a lost announcement would have said arrives anyway within a stated bound — a stream or wait
 * re-reads its job every JOB_REREAD_MS (5 s), a cached key is checked again after 30 s.
 */
@Injectable()
export class ReplicaBus implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ReplicaBus.name);
  private readonly origin = randomUUID();
  private subscription?: Subscription;
  private closed = false;

  constructor(
    private readonly nats: NatsService,
    private readonly notifier: JobNotifier,
    private readonly keys: ApiKeysService,
    private readonly metrics: MetricsService,
  ) {}

  onApplicationBootstrap(): void {
    this.notifier.bridge((job) => this.announce({ kind: 'job', job }));
    this.keys.onChange(() => this.announce({ kind: 'keys' }));
    // In the background: the gateway starts (and answers 503 where it must) while NATS is down.
    void this.nats
      .connection()
      .then((nc) => {
        if (this.closed) return;
        this.subscription = nc.subscribe(Subjects.gatewayReplicas, {
          callback: (error, msg) => {
            if (error) return;
            try {
              this.heard(msg.json<Announcement>());
            } catch {
              // not ours to read; ignore
            }
          },
        });
      })
      .catch((error: unknown) => this.logger.warn(`replica announcements unavailable: ${String(error)}`));
  }

  onApplicationShutdown(): void {
    this.closed = true;
    this.subscription?.unsubscribe();
  }

  private heard(announcement: Announcement): void {
    if (announcement.origin === this.origin) return;
    if (announcement.kind === 'job' && announcement.job?.id) {
      this.metrics.replicaChange('received');
      this.notifier.receive(announcement.job);
    } else if (announcement.kind === 'keys') {
      this.keys.forgetCached();
    }
  }

  private announce(body: Body): void {
    if (!this.nats.isConnected()) return;
    void this.nats
      .connection()
      .then((nc) => {
        nc.publish(Subjects.gatewayReplicas, JSON.stringify({ origin: this.origin, ...body }));
        if (body.kind === 'job') this.metrics.replicaChange('sent');
      })
      .catch(() => undefined); // the database is the truth; readers re-read it
  }
}
