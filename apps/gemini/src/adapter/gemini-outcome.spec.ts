import { describe, expect, it } from 'vitest';
import { answerOutcome } from './gemini-outcome.js';
import type { AnswerReading } from './gemini-ui.js';

const reading = (over: Partial<AnswerReading>): AnswerReading => ({
  found: true,
  videoSrc: null,
  downloadButton: false,
  generating: false,
  done: true,
  text: '',
  alerts: [],
  conversationId: 'c0ffee',
  ...over,
});

describe('answerOutcome', () => {
  it('completes on a video, whatever the text says', () => {
    expect(answerOutcome(reading({ videoSrc: 'https://x/v.mp4', text: 'not available' }))).toEqual({
      state: 'completed',
      videoSrc: 'https://x/v.mp4',
    });
  });

  it('keeps running while the video renders or no answer shows yet', () => {
    expect(answerOutcome(reading({ generating: true, done: false, text: 'Đang tạo video…' })).state).toBe('running');
    expect(answerOutcome(reading({ found: false, done: false })).state).toBe('running');
    expect(answerOutcome(reading({ done: false, text: 'Here' })).state).toBe('running');
  });

  it.each([
    ["Video generation isn't available for your account yet. Try again later.", 'FEATURE_UNAVAILABLE'],
    ['Tính năng tạo video hiện không có sẵn cho tài khoản của bạn.', 'FEATURE_UNAVAILABLE'],
    ["You've reached your daily limit for videos. Try again tomorrow.", 'QUOTA_EXHAUSTED'],
    ['Bạn đã đạt đến giới hạn tạo video hằng ngày.', 'QUOTA_EXHAUSTED'],
    ["I can't create that video. Try a different prompt.", 'CONTENT_REJECTED'],
    ['Tôi không thể tạo video này. Hãy thử một câu lệnh khác.', 'CONTENT_REJECTED'],
    ['Something went wrong.', 'PROVIDER_ERROR'],
    ['Đã xảy ra lỗi.', 'PROVIDER_ERROR'],
    ['Here is an idea for your video: a boat', 'PROVIDER_ERROR'],
  ])('classifies %j as %s', (text, code) => {
    const outcome = answerOutcome(reading({ text }));
    expect(outcome.state).toBe('failed');
    expect(outcome.state === 'failed' && outcome.error.code).toBe(code);
  });

  it('fails on an error toast even while the placeholder shows', () => {
    const outcome = answerOutcome(reading({ generating: true, done: false, alerts: ['Something went wrong.'] }));
    expect(outcome.state === 'failed' && outcome.error.code).toBe('PROVIDER_ERROR');
  });
});
