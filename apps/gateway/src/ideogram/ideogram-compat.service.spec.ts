import { describe, expect, it } from 'vitest';
import { JOB_STATUSES, type Job, type JobStatus } from '@app/contracts';
import { legacyJobView } from './ideogram-compat.service.js';

const job = (status: JobStatus, over: Partial<Job> = {}): Job => ({
  id: '5f0c6d2e-8a8b-4c1e-9d55-3c2b1a0f9e77',
  provider: 'ideogram',
  operation: 'remix',
  status,
  progress: 0,
  input: {},
  result: null,
  error: null,
  ideaId: null,
  apiKeyId: null,
  idempotencyKey: null,
  webhookUrl: null,
  deadlineAt: '2026-03-01T12:10:00.000Z',
  createdAt: '2026-03-01T12:00:00.000Z',
  updatedAt: '2026-03-01T12:01:00.000Z',
  startedAt: null,
  completedAt: null,
  ...over,
});

describe('legacyJobView (GET /api/job/:jobId)', () => {
  it('answers the original shape with the stored image URLs', () => {
    const images = [0, 1].map((index) => ({
      index,
      url: `https://files.example/${index}.png`,
      bucket: 'product-ideas',
      path: `${index}.png`,
      contentType: 'image/png',
      size: 1,
    }));
    expect(legacyJobView(job('completed', { result: { images } }))).toEqual({
      success: true,
      jobId: '5f0c6d2e-8a8b-4c1e-9d55-3c2b1a0f9e77',
      status: 'completed',
      createdAt: '2026-03-01T12:00:00.000Z',
      updatedAt: '2026-03-01T12:01:00.000Z',
      errorMessage: null,
      images: ['https://files.example/0.png', 'https://files.example/1.png'],
      isComplete: true,
      isFailed: false,
      isProcessing: false,
    });
  });

  it('gives every status exactly one of complete, failed or processing', () => {
    for (const status of JOB_STATUSES) {
      const view = legacyJobView(job(status));
      expect([view.isComplete, view.isFailed, view.isProcessing].filter(Boolean), status).toHaveLength(1);
    }
    expect(legacyJobView(job('timeout', { error: { code: 'PROVIDER_TIMEOUT', message: 'late' } }))).toMatchObject({
      isFailed: true,
      errorMessage: 'late',
      images: [],
    });
  });
});
