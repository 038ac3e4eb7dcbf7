import { describe, expect, it } from 'vitest';
import { PROVIDER_CATALOG } from '@app/contracts';
import { RuntimeConfig } from '../runtime/runtime.config.js';
import { RUNTIME_KNOBS, runtimeConfigOf, runtimeKnobVariables } from './worker-runtime.config.js';

describe('runtimeConfigOf', () => {
  it("starts from the catalog's pacing for the provider over RuntimeConfig's defaults", () => {
    const defaults = new RuntimeConfig();
    for (const entry of PROVIDER_CATALOG) {
      const runtime = runtimeConfigOf(entry.name, 'a1', {});
      expect(runtime).toMatchObject({ provider: entry.name, account: 'a1', ...entry.pacing });
      expect(runtime.heartbeatMs).toBe(defaults.heartbeatMs);
    }
    expect(runtimeConfigOf('chatgpt', 'a', {}).minSubmitGapMs).toBe(72_000);
    expect(runtimeConfigOf('ideogram', 'a', {}).maxRunning).toBe(1);
  });

  it('gives every provider every knob, the provider-prefixed name winning over WORKER_*', () => {
    const env = { WORKER_ACK_WAIT_MS: '9000', IDEOGRAM_ACK_WAIT_MS: '4000', WORKER_MAX_RUNNING: '5' };
    expect(runtimeConfigOf('ideogram', 'a', env)).toMatchObject({ ackWaitMs: 4000, maxRunning: 5 });
    expect(runtimeConfigOf('chatgpt', 'a', env)).toMatchObject({ ackWaitMs: 9000, maxRunning: 5 });
    for (const entry of PROVIDER_CATALOG) {
      const variables = runtimeKnobVariables(entry.name);
      expect(Object.keys(variables).sort()).toEqual(Object.keys(RUNTIME_KNOBS).sort());
      for (const [field, names] of Object.entries(variables)) {
        const knob = RUNTIME_KNOBS[field as keyof typeof RUNTIME_KNOBS];
        expect(names.slice(-2)).toEqual([`${entry.env}_${knob.suffix}`, `WORKER_${knob.suffix}`]);
      }
    }
  });

  it('still accepts the older provider names, ahead of the new ones', () => {
    expect(runtimeConfigOf('chatgpt', 'a', { CHATGPT_MIN_SEND_GAP_MS: '1000' }).minSubmitGapMs).toBe(1000);
    expect(
      runtimeConfigOf('chatgpt', 'a', { CHATGPT_MIN_SEND_GAP_MS: '1000', CHATGPT_MIN_SUBMIT_GAP_MS: '0' })
        .minSubmitGapMs,
    ).toBe(1000);
    expect(runtimeConfigOf('chatgpt', 'a', { CHATGPT_BUSY_RETRY_MS: '700' }).queueWaitMs).toBe(700);
    expect(runtimeConfigOf('ideogram', 'a', { IDEOGRAM_INFLIGHT_WAIT_MS: '800' }).queueWaitMs).toBe(800);
    expect(runtimeConfigOf('midjourney', 'a', { MIDJOURNEY_MIN_SUBMIT_GAP_MS: '0' }).minSubmitGapMs).toBe(0);
  });

  it('ignores empty values and refuses bad ones, naming the variable but not the value', () => {
    expect(runtimeConfigOf('midjourney', 'a', { WORKER_MAX_RUNNING: '' }).maxRunning).toBe(3);
    const bad = () =>
      runtimeConfigOf('midjourney', 'a', { MIDJOURNEY_MAX_RUNNING: '0', WORKER_POLL_MIN_MS: 'secret-ish' });
    expect(bad).toThrow(/MIDJOURNEY_MAX_RUNNING: must be a whole number not less than 1/);
    expect(bad).toThrow(/WORKER_POLL_MIN_MS/);
    expect(bad).not.toThrow(/secret-ish/);
    expect(() => runtimeConfigOf('ideogram', 'a', { IDEOGRAM_ACK_WAIT_MS: '2.5' })).toThrow(/IDEOGRAM_ACK_WAIT_MS/);
  });
});
