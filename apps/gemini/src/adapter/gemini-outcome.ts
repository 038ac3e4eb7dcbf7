import { ProviderException } from '@app/contracts';
import { GEMINI_UI } from './gemini-selectors.js';
import type { AnswerReading } from './gemini-ui.js';

export type AnswerOutcome =
  { state: 'running' } | { state: 'completed'; videoSrc: string } | { state: 'failed'; error: ProviderException };

const matches = (pattern: string, text: string) => new RegExp(pattern, 'i').test(text);

/**
 * What the last answer says about the job. A video ends it; while the page still renders, nothing else counts (the
 * placeholder's own words must not read as a refusal); then the refusals, most specific first; a finished answer
 * without a video is a failure too (Gemini answered in text: the video tool was not used).
 */
export function answerOutcome(reading: AnswerReading): AnswerOutcome {
  if (reading.videoSrc) return { state: 'completed', videoSrc: reading.videoSrc };
  if (!reading.found || reading.generating) {
    const alert = reading.alerts.join('\n');
    if (alert && matches(GEMINI_UI.errorText, alert)) {
      return { state: 'failed', error: new ProviderException('PROVIDER_ERROR', `Gemini: ${alert.slice(0, 300)}`) };
    }
    return { state: 'running' };
  }
  const text = reading.text;
  const quoted = text.replace(/\s+/g, ' ').trim().slice(0, 300);
  if (matches(GEMINI_UI.notAvailableText, text)) {
    return {
      state: 'failed',
      error: new ProviderException('FEATURE_UNAVAILABLE', `Gemini says video generation is not available: ${quoted}`),
    };
  }
  if (matches(GEMINI_UI.quotaText, text)) {
    return { state: 'failed', error: new ProviderException('QUOTA_EXHAUSTED', `Gemini: ${quoted}`) };
  }
  if (matches(GEMINI_UI.rejectedText, text)) {
    return {
      state: 'failed',
      error: new ProviderException('CONTENT_REJECTED', `Gemini refused the prompt: ${quoted}`),
    };
  }
  if (matches(GEMINI_UI.errorText, `${text}\n${reading.alerts.join('\n')}`)) {
    return {
      state: 'failed',
      error: new ProviderException('PROVIDER_ERROR', `Gemini: ${quoted || reading.alerts[0]}`),
    };
  }
  if (reading.done) {
    return {
      state: 'failed',
      error: new ProviderException('PROVIDER_ERROR', `Gemini answered without a video: ${quoted || '(empty answer)'}`),
    };
  }
  return { state: 'running' };
}
