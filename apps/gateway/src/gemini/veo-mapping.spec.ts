import { describe, expect, it } from 'vitest';
import { JOB_STATUSES, type Job, type JobStatus } from '@app/contracts';
import { VEO_STATUS, jobIdOfFileName, veoJobView, videoFileName } from './veo-mapping.js';
import { VeoStats } from './veo-stats.js';

const ID = '5f0c6d2e-8a8b-4c1e-9d55-3c2b1a0f9e77';
const job = (status: JobStatus, over: Partial<Job> = {}): Job => ({
  id: ID,
  provider: 'gemini',
  operation: 'video',
  status,
  progress: 0,
  input: { prompt: 'a paper boat' },
  result: null,
  error: null,
  ideaId: null,
  apiKeyId: null,
  idempotencyKey: null,
  webhookUrl: null,
  deadlineAt: '2026-03-01T12:15:00.000Z',
  createdAt: '2026-03-01T12:00:00.000Z',
  updatedAt: '2026-03-01T12:01:00.000Z',
  startedAt: null,
  completedAt: null,
  ...over,
});
const video = {
  index: 0,
  url: 'https://files.example/veo-videos/x/veo_c0ffee.mp4',
  bucket: 'veo-videos',
  path: `${ID}/veo_c0ffee.mp4`,
  contentType: 'video/mp4',
  size: 1234,
};

describe('veoJobView (GET /veo3/job/:jobId)', () => {
  it('answers exactly the original fields, with a relative videoUrl served by /veo3/download', () => {
    const view = veoJobView(
      job('completed', {
        input: { prompt: 'a paper boat', imageUrl: 'https://img.example/a.png' },
        startedAt: '2026-03-01T12:00:01.000Z',
        completedAt: '2026-03-01T12:03:00.000Z',
        result: { images: [], videos: [video] },
      }),
    );
    expect(view).toEqual({
      success: true,
      jobId: ID,
      prompt: 'a paper boat',
      image_url: 'https://img.example/a.png',
      status: 'completed',
      createdAt: '2026-03-01T12:00:00.000Z',
      startedAt: '2026-03-01T12:00:01.000Z',
      completedAt: '2026-03-01T12:03:00.000Z',
      videoPath: `veo-videos/${ID}/veo_c0ffee.mp4`,
      videoUrl: `/veo3/download/${ID}.mp4`,
      error: null,
      timestamp: expect.any(String),
    });
  });

  it('maps every job status onto the original four, every unsuccessful end to failed', () => {
    expect(JOB_STATUSES.map((s) => [s, VEO_STATUS[s]])).toEqual([
      ['pending', 'queued'],
      ['processing', 'processing'],
      ['completed', 'completed'],
      ['failed', 'failed'],
      ['timeout', 'failed'],
      ['canceled', 'failed'],
    ]);
    const failed = veoJobView(job('timeout', { error: { code: 'PROVIDER_TIMEOUT', message: 'no video in time' } }));
    expect(failed).toMatchObject({ status: 'failed', error: 'no video in time', videoUrl: null, videoPath: null });
    expect(veoJobView(job('pending'))).toMatchObject({ status: 'queued', image_url: null, startedAt: null });
  });
});

describe('download names', () => {
  it('names a video by its job id and type, and reads only such names back', () => {
    const done = job('completed', { result: { images: [], videos: [{ ...video, contentType: 'video/webm' }] } });
    expect(videoFileName(done)).toBe(`${ID}.webm`);
    expect(videoFileName(job('processing'))).toBeNull();
    expect(jobIdOfFileName(`${ID}.mp4`)).toBe(ID);
    for (const name of [
      `../${ID}.mp4`,
      `${ID}.mp4/..`,
      `${ID}.MP4`,
      `${ID}.mp4.exe`,
      `..%2F${ID}.mp4`,
      'veo3-1733563200000-abcdefghi.mp4',
      `${ID.toUpperCase()}.mp4`,
      '',
    ]) {
      expect(jobIdOfFileName(name), name).toBeNull();
    }
  });
});

describe('VeoStats (GET /veo3/health)', () => {
  it('counts its routes with a two-decimal success rate, and shows error text only when detailed', () => {
    const stats = new VeoStats();
    stats.record(true);
    stats.record(true);
    stats.record(false, Object.assign(new Error('Job not found'), { code: 'NOT_FOUND' }));
    expect(stats.snapshot('running')).toMatchObject({
      status: 'running',
      totalRequests: 3,
      successfulRequests: 2,
      failedRequests: 1,
      successRate: 66.67,
      lastError: 'NOT_FOUND',
    });
    expect(stats.snapshot('running', true).lastError).toBe('Job not found');
    expect(new VeoStats().snapshot('running').successRate).toBe(0);
  });
});
