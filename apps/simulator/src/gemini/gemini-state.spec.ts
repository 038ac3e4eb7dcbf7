import { describe, expect, it } from 'vitest';
import { GeminiState } from './gemini-state.js';

const none = { stuck: false, rejected: false, quota: false };

describe('GeminiState', () => {
  it('renders a video only with the video tool, after the render time', () => {
    const state = new GeminiState({ speed: 1, renderMs: 1000, uploadMs: 10 });
    const account = state.account('a');
    const chat = state.create(account, { prompt: 'boat', videoTool: true, image: null }, none);
    expect(chat.id).toMatch(/^[0-9a-f]{16}$/);
    expect(state.view(chat, chat.startedAt + 999)).toMatchObject({ state: 'generating', videoUrl: null });
    expect(state.view(chat, chat.startedAt + 1000)).toMatchObject({
      state: 'video',
      videoUrl: `/_/gemini/video/${chat.id}.mp4`,
    });
    const text = state.create(account, { prompt: 'boat', videoTool: false, image: null }, none);
    expect(state.view(text, text.startedAt + 1000)).toMatchObject({ state: 'text', videoUrl: null });
  });

  it('refuses video to accounts without access, before any fault', () => {
    const state = new GeminiState({ speed: 1, renderMs: 1000, uploadMs: 10 });
    const refused = state.account('r', { video: 'refused', language: 'vi' });
    expect(refused).toMatchObject({ video: 'refused', language: 'vi' });
    const chat = state.create(refused, { prompt: 'x', videoTool: true, image: null }, { ...none, quota: true });
    expect(chat.outcome).toBe('refused');
    const ok = state.account('ok');
    expect(state.create(ok, { prompt: 'x', videoTool: true, image: null }, { ...none, quota: true }).outcome).toBe(
      'quota',
    );
    const stuck = state.create(ok, { prompt: 'x', videoTool: true, image: null }, { ...none, stuck: true });
    expect(state.view(stuck, stuck.startedAt + 10_000_000).state).toBe('generating');
  });

  it('makes an MP4-shaped video whose bytes follow from the chat', () => {
    const state = new GeminiState({ speed: 1, renderMs: 1, uploadMs: 1 });
    const account = state.account('a');
    const a = state.create(account, { prompt: 'one', videoTool: true, image: null }, none);
    const b = state.create(account, { prompt: 'two', videoTool: true, image: null }, none);
    expect(state.videoBytes(a).subarray(4, 12).toString()).toBe('ftypisom');
    expect(state.videoBytes(a)).toEqual(state.videoBytes(a));
    expect(state.videoBytes(a).equals(state.videoBytes(b))).toBe(false);
  });
});
