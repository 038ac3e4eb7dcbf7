import { describe, expect, it, vi } from 'vitest';
import type { JobEvent } from '@app/contracts';
import type { MetricsService } from '../metrics/metrics.service.js';
import type { ProductDesignSync } from '../product-design/product-design.sync.js';
import type { WebhooksService } from '../webhooks/webhooks.service.js';
import { JobNotifier } from './job-notifier.js';
import type { JobsQueue } from './jobs.queue.js';
import type { JobsRepository, StoredJob } from './jobs.repository.js';
import { JobsService } from './jobs.service.js';

const JOB_ID = '6a1e0c9b-2f3d-4b5a-8c7e-9d0f1a2b3c4d';

const stored = (over: Partial<StoredJob> = {}): StoredJob => ({
  id: JOB_ID,
  provider: 'midjourney',
  operation: 'imagine',
  status: 'completed',
  progress: 100,
  input: { prompt: 'a fox' },
  result: { images: [] },
  error: null,
  ideaId: '7b2f1d0c-3e4a-4c6b-9d8f-0a1b2c3d4e5f',
  apiKeyId: null,
  idempotencyKey: null,
  webhookUrl: 'https://hooks.example/job',
  deadlineAt: '2030-01-01T00:00:00.000Z',
  createdAt: '2026-03-01T10:00:00.000Z',
  updatedAt: '2026-03-01T10:01:00.000Z',
  startedAt: '2026-03-01T10:00:01.000Z',
  completedAt: '2026-03-01T10:01:00.000Z',
  requestHash: null,
  lastSeq: 7,
  ...over,
});

const event: JobEvent = {
  jobId: JOB_ID,
  provider: 'midjourney',
  seq: 7,
  status: 'completed',
  at: '2026-03-01T10:01:00Z',
};

function service(sync: () => Promise<void>) {
  const repository = {
    applyEvent: vi.fn(() => Promise.resolve(stored())),
    findById: vi.fn(() => Promise.resolve(stored())),
  };
  const webhooks = { enqueue: vi.fn(() => Promise.resolve()) };
  const productDesign = { mode: 'sql', sync: vi.fn(sync) };
  const metrics = { jobChanged: vi.fn() };
  const sut = new JobsService(
    repository as unknown as JobsRepository,
    {} as JobsQueue,
    new JobNotifier(),
    productDesign as unknown as ProductDesignSync,
    webhooks as unknown as WebhooksService,
    metrics as unknown as MetricsService,
  );
  return { sut, repository, webhooks, productDesign };
}

describe(JobsService.name, () => {
  describe('applyEvent', () => {
    it('writes the job, syncs product_design, then enqueues the webhook of a terminal job', async () => {
      const { sut, repository, productDesign, webhooks } = service(() => Promise.resolve());
      await sut.applyEvent(event);
      expect(repository.applyEvent).toHaveBeenCalledWith(event);
      expect(productDesign.sync).toHaveBeenCalledTimes(1);
      expect(webhooks.enqueue).toHaveBeenCalledWith(expect.objectContaining({ id: JOB_ID }));
    });

    it('fails the event while a product_design sync fails, so it is redelivered, webhook not yet enqueued', async () => {
      const { sut, webhooks } = service(() => Promise.reject(new Error('product_design is locked')));
      await expect(sut.applyEvent(event)).rejects.toThrow(/locked/);
      expect(webhooks.enqueue).not.toHaveBeenCalled();
    });

    it('gives up on the sync at the final attempt: logs it, keeps the job row, and sends the webhook', async () => {
      const { sut, repository, webhooks } = service(() => Promise.reject(new Error('product_design is locked')));
      repository.applyEvent.mockResolvedValue(null as never); // a redelivery: the row already has this event
      await expect(sut.applyEvent(event, { finalAttempt: true })).resolves.toBeUndefined();
      expect(webhooks.enqueue).toHaveBeenCalledTimes(1);
    });

    it('redoes side effects only for the event that last changed the job', async () => {
      const { sut, repository, productDesign } = service(() => Promise.resolve());
      repository.applyEvent.mockResolvedValue(null as never);
      repository.findById.mockResolvedValue(stored({ lastSeq: 9 }));
      await sut.applyEvent(event); // seq 7: stale
      expect(productDesign.sync).not.toHaveBeenCalled();
    });
  });
});
