import { describe, expect, it } from 'vitest';
import { allowedActions } from '@app/contracts';
import { buttonsFor, parseChange, parseCustomId, parseSimpleChange } from './custom-id.js';

// The customIds midjourney-proxy clients replay, parsed back to our actions; and the buttons we hand out parse back
// to exactly the actions a job allows.

describe('parseCustomId', () => {
  it.each([
    ['MJ::JOB::upsample::2::abc', { action: 'upscale', index: 2 }],
    ['MJ::JOB::variation::1::abc', { action: 'vary', index: 1 }],
    ['MJ::JOB::low_variation::1::abc::SOLO', { action: 'vary', index: 1, strength: 'subtle' }],
    ['MJ::JOB::high_variation::1::abc::SOLO', { action: 'vary', index: 1, strength: 'strong' }],
    ['MJ::JOB::reroll::0::abc::SOLO', { action: 'reroll' }],
    ['MJ::JOB::pan_left::1::abc::SOLO', { action: 'pan', index: 1, direction: 'left' }],
    ['MJ::JOB::pan_down::3::abc', { action: 'pan', index: 3, direction: 'down' }],
    ['MJ::JOB::upsample_v7_2x_subtle::1::abc::SOLO', { action: 'upscale', index: 1, type: 'subtle' }],
    ['MJ::JOB::upsample_v6_2x_creative::1::abc::SOLO', { action: 'upscale', index: 1, type: 'creative' }],
    ['MJ::JOB::animate_low::4::abc::SOLO', { action: 'animate', index: 4, motion: 'low' }],
    ['MJ::JOB::extend_high::2::abc::SOLO', { action: 'extend', index: 2, motion: 'high' }],
  ])('%s', (customId, action) => {
    expect(parseCustomId(customId)).toEqual({ ok: true, action });
  });

  it('refuses zoom, unknown buttons, and cells outside 1–4 with a reason', () => {
    const zoom = parseCustomId('MJ::Outpaint::50::1::abc::SOLO');
    expect(zoom.ok).toBe(false);
    expect(!zoom.ok && zoom.reason).toMatch(/not supported/);
    expect(parseCustomId('MJ::CustomZoom::abc').ok).toBe(false);
    expect(parseCustomId('MJ::JOB::upsample::5::abc').ok).toBe(false);
    expect(parseCustomId('MJ::JOB::bookmark::1::abc').ok).toBe(false);
    expect(parseCustomId('hello').ok).toBe(false);
  });
});

describe('change and simple-change', () => {
  it('parses UPSCALE/VARIATION/REROLL and "<taskId> U2"', () => {
    expect(parseChange('UPSCALE', 2)).toEqual({ ok: true, action: { action: 'upscale', index: 2 } });
    expect(parseChange('variation', 1)).toEqual({ ok: true, action: { action: 'vary', index: 1 } });
    expect(parseChange('REROLL')).toEqual({ ok: true, action: { action: 'reroll' } });
    expect(parseChange('UPSCALE').ok).toBe(false);
    expect(parseChange('ZOOM', 1).ok).toBe(false);
    expect(parseSimpleChange('abc-1 U2')).toEqual({
      taskId: 'abc-1',
      change: { ok: true, action: { action: 'upscale', index: 2 } },
    });
    expect(parseSimpleChange(' abc v4 ').change).toEqual({ ok: true, action: { action: 'vary', index: 4 } });
    expect(parseSimpleChange('abc R').change).toEqual({ ok: true, action: { action: 'reroll' } });
    expect(parseSimpleChange('abc U9').change.ok).toBe(false);
  });
});

describe('buttonsFor', () => {
  it('a grid: U1–4, V1–4, reroll, pans and animates, each parsing back to an allowed action', () => {
    const actions = allowedActions({ operation: 'imagine', images: 4, videos: 0 });
    const buttons = buttonsFor(actions, 'h', true);
    expect(buttons.filter((b) => /^U\d$/.test(b.label)).map((b) => b.customId)).toEqual([
      'MJ::JOB::upsample::1::h',
      'MJ::JOB::upsample::2::h',
      'MJ::JOB::upsample::3::h',
      'MJ::JOB::upsample::4::h',
    ]);
    expect(buttons.map((b) => b.label)).toContain('V3');
    expect(buttons.some((b) => b.customId === 'MJ::JOB::reroll::0::h::SOLO')).toBe(true);
    for (const b of buttons) {
      const parsed = parseCustomId(b.customId);
      expect(parsed.ok, b.customId).toBe(true);
      if (!parsed.ok) continue;
      const { action, index, direction } = parsed.action;
      const name =
        action === 'reroll' ? 'reroll' : action === 'pan' ? `pan:${index}:${direction}` : `${action}:${index}`;
      expect(actions).toContain(name);
      expect(b).toMatchObject({ type: 2, style: 2 });
    }
  });

  it('an upscale: Vary (Subtle)/(Strong), no U buttons; describe: none', () => {
    const buttons = buttonsFor(allowedActions({ operation: 'upscale', images: 1, videos: 0 }), 'h', false);
    expect(buttons.map((b) => b.label)).toEqual(expect.arrayContaining(['Vary (Subtle)', 'Vary (Strong)']));
    expect(buttons.some((b) => b.customId.includes('upsample'))).toBe(false);
    expect(buttonsFor(allowedActions({ operation: 'describe', images: 0, videos: 0 }), 'h', false)).toEqual([]);
  });
});
