import { describe, expect, it } from 'vitest';
import { allowedActions } from '@app/contracts';
import { makeJob } from '../../../../test/factories/job.factory.js';
import { toTask } from './task.js';

const file = (index: number, url: string) => ({
  index,
  url,
  bucket: 'b',
  path: 'p',
  contentType: 'image/png',
  size: 1,
});

describe('toTask', () => {
  it('a pending imagine: SUBMITTED, "0%", state and action kept, no buttons', () => {
    const job = makeJob({ input: { prompt: 'a fox', options: {}, mjproxy: { action: 'IMAGINE', state: 's1' } } });
    const task = toTask(job);
    expect(task).toMatchObject({
      id: job.id,
      action: 'IMAGINE',
      status: 'SUBMITTED',
      progress: '0%',
      prompt: 'a fox',
      state: 's1',
      submitTime: Date.parse(job.createdAt),
      startTime: null,
      finishTime: null,
      failReason: null,
      buttons: [],
    });
  });

  it('running: IN_PROGRESS with the progress as "N%" (never "100%" before the end)', () => {
    const started = new Date().toISOString();
    expect(toTask(makeJob({ status: 'processing', progress: 42.4, startedAt: started }))).toMatchObject({
      status: 'IN_PROGRESS',
      progress: '42%',
      startTime: Date.parse(started),
    });
    expect(toTask(makeJob({ status: 'processing', progress: 100 })).progress).toBe('99%');
  });

  it('a completed grid: SUCCESS "100%", imageUrl is the grid composite, imageUrls the cells, buttons', () => {
    const done = new Date().toISOString();
    const job = makeJob({
      status: 'completed',
      progress: 100,
      completedAt: done,
      result: {
        images: [0, 1, 2, 3].map((i) => file(i, `/files/cell${i}.png`)),
        grid: file(4, '/files/grid.png'),
        providerJobId: 'mj-1',
        submittedPrompt: 'a fox --v 7',
        actions: allowedActions({ operation: 'imagine', images: 4, videos: 0 }),
      },
    });
    const task = toTask(job);
    expect(task).toMatchObject({
      status: 'SUCCESS',
      progress: '100%',
      action: 'IMAGINE',
      imageUrl: '/files/grid.png',
      finishTime: Date.parse(done),
      properties: { finalPrompt: 'a fox --v 7', messageId: 'mj-1' },
    });
    expect(task.imageUrls).toEqual([0, 1, 2, 3].map((i) => ({ url: `/files/cell${i}.png` })));
    expect(task.buttons.map((b) => b.customId)).toContain('MJ::JOB::upsample::2::mj-1');
  });

  it('an upscale: imageUrl is the image; a video: videoUrl(s)', () => {
    const up = makeJob({
      operation: 'upscale',
      status: 'completed',
      input: { action: 'upscale' },
      result: { images: [file(0, '/files/up.png')] },
    });
    expect(toTask(up)).toMatchObject({ action: 'UPSCALE', imageUrl: '/files/up.png' });
    expect(toTask(up).buttons.map((b) => b.label)).toContain('Vary (Strong)');
    const video = makeJob({
      operation: 'video',
      status: 'completed',
      input: { imageUrl: 'https://example.com/a.png', textPrompt: 'slow' },
      result: { images: [], videos: [file(0, '/files/v0.mp4'), file(1, '/files/v1.mp4')] },
    });
    expect(toTask(video)).toMatchObject({
      action: 'VIDEO',
      videoUrl: '/files/v0.mp4',
      videoUrls: [{ url: '/files/v0.mp4' }, { url: '/files/v1.mp4' }],
    });
  });

  it('FAILURE (failed and timeout) is "100%" with a non-empty failReason; canceled is CANCEL', () => {
    const failed = toTask(
      makeJob({ status: 'failed', progress: 30, error: { code: 'CONTENT_REJECTED', message: 'Banned prompt' } }),
    );
    expect(failed).toMatchObject({ status: 'FAILURE', progress: '100%', failReason: 'Banned prompt' });
    const timeout = toTask(makeJob({ status: 'timeout', error: null }));
    expect(timeout.progress).toBe('100%');
    expect(timeout.failReason).toBeTruthy();
    expect(toTask(makeJob({ status: 'canceled' }))).toMatchObject({ status: 'CANCEL', progress: '100%' });
  });

  it('describe: the four prompts as prompt and properties.descriptions', () => {
    const task = toTask(
      makeJob({
        operation: 'describe',
        status: 'completed',
        input: { imageUrl: 'https://example.com/a.png' },
        result: { images: [], descriptions: ['one', 'two'] },
      }),
    );
    expect(task).toMatchObject({
      action: 'DESCRIBE',
      prompt: 'one\n\ntwo',
      properties: { descriptions: ['one', 'two'] },
    });
    expect(task.buttons).toEqual([]);
  });
});
