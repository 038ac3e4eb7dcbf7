import { randomUUID } from 'node:crypto';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { describe, expect, it } from 'vitest';
import {
  CHATGPT_CONVERSATION_ID,
  CHATGPT_MAX_IMAGES,
  CHATGPT_MAX_PROMPT_CHARS,
  GEMINI_MAX_PROMPT_CHARS,
  IDEOGRAM_ASPECT_RATIOS,
  IDEOGRAM_ID,
  IDEOGRAM_MAGIC_PROMPT,
  IDEOGRAM_MODEL_VERSIONS,
  IDEOGRAM_STYLES,
  MJ_MODES,
  MJ_MOTIONS,
  MJ_NIJI_VERSIONS,
  MJ_QUALITIES,
  MJ_VERSIONS,
  MJ_BLEND_DIMENSIONS,
} from '@app/contracts';
import * as ops from '../apps/console/src/operations.js';
import { ConversationDto } from '../apps/gateway/src/chatgpt/dto/conversation.dto.js';
import { GeminiVideoDto } from '../apps/gateway/src/gemini/dto/gemini.dto.js';
import {
  DescribeDto,
  GenerateDto,
  RemixDto,
  RemoveBackgroundDto,
  UpscaleDto,
} from '../apps/gateway/src/ideogram/dto/ideogram.dto.js';
import { BlendDto, DescribeDto as MidjourneyDescribeDto } from '../apps/gateway/src/midjourney/dto/actions.dto.js';
import { ImagineDto, VideoDto } from '../apps/gateway/src/midjourney/dto/imagine.dto.js';
import { WEBHOOK_EVENTS } from '../apps/gateway/src/webhooks/webhook-events.js';

// The console (a browser bundle) keeps its own copy of the API's limits; these checks keep the copy honest: the
// lists equal the contracts', and what the forms send passes the gateway's DTOs (and what they refuse, the DTOs do).
const DTOS: Record<string, new () => object> = {
  '/v1/midjourney/imagine': ImagineDto,
  '/v1/midjourney/video': VideoDto,
  '/v1/midjourney/describe': MidjourneyDescribeDto,
  '/v1/midjourney/blend': BlendDto,
  '/v1/ideogram/generate': GenerateDto,
  '/v1/ideogram/remix': RemixDto,
  '/v1/ideogram/upscale': UpscaleDto,
  '/v1/ideogram/remove-background': RemoveBackgroundDto,
  '/v1/ideogram/describe': DescribeDto,
  '/v1/chatgpt/conversations': ConversationDto,
  '/v1/gemini/video': GeminiVideoDto,
};

function paths(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((e) => [
    ...(e.constraints ? [`${prefix}${e.property}`] : []),
    ...paths(e.children ?? [], `${prefix}${e.property}.`),
  ]);
}

const dtoProblems = (path: string, body: unknown) =>
  paths(validateSync(plainToInstance(DTOS[path], body), { whitelist: true, forbidNonWhitelisted: true }));

function validValue(field: ops.Field): ops.Values[string] {
  switch (field.kind) {
    case 'number':
      return String(field.min ?? 1);
    case 'select':
      return field.options![0];
    case 'checkbox':
      return true;
    case 'url':
      return 'https://example.com/a.png';
    case 'urls':
      return Array.from({ length: field.minItems ?? 1 }, (_, i) => `https://example.com/${i}.png`);
    case 'list':
      return field.options ? field.options.slice(0, 2) : ['https://example.com/style.png', 'abc123'];
    case 'uuid':
      return randomUUID();
    case 'images':
      return [{ name: 'a.png', data: 'iVBORw0KGgo=', content_type: 'image/png' }];
    default:
      if (field.pattern === ops.CHATGPT_CONVERSATION_ID) return randomUUID();
      if (field.pattern === ops.IDEOGRAM_ID) return 'abc_DEF-1';
      if (field.pattern) return '16:9';
      return 'a lighthouse at dusk';
  }
}

describe('console operations', () => {
  it('copy the contracts’ lists and patterns', () => {
    expect(ops.MJ_VERSIONS).toEqual(MJ_VERSIONS);
    expect(ops.MJ_NIJI_VERSIONS).toEqual(MJ_NIJI_VERSIONS);
    expect(ops.MJ_MODES).toEqual(MJ_MODES);
    expect(ops.MJ_QUALITIES).toEqual(MJ_QUALITIES);
    expect(ops.MJ_MOTIONS).toEqual(MJ_MOTIONS);
    expect(ops.MJ_BLEND_DIMENSIONS).toEqual(MJ_BLEND_DIMENSIONS);
    expect(ops.IDEOGRAM_ASPECTS).toEqual(Object.keys(IDEOGRAM_ASPECT_RATIOS));
    expect(ops.IDEOGRAM_STYLES).toEqual(IDEOGRAM_STYLES);
    expect(ops.IDEOGRAM_MAGIC_PROMPT).toEqual(IDEOGRAM_MAGIC_PROMPT);
    expect(ops.IDEOGRAM_MODEL_VERSIONS).toEqual(IDEOGRAM_MODEL_VERSIONS);
    expect(ops.IDEOGRAM_ID.source).toBe(IDEOGRAM_ID.source);
    expect(ops.CHATGPT_CONVERSATION_ID.source).toBe(CHATGPT_CONVERSATION_ID.source);
    expect(ops.CHATGPT_MAX_IMAGES).toBe(CHATGPT_MAX_IMAGES);
    expect(ops.CHATGPT_MAX_PROMPT_CHARS).toBe(CHATGPT_MAX_PROMPT_CHARS);
    expect(ops.GEMINI_MAX_PROMPT_CHARS).toBe(GEMINI_MAX_PROMPT_CHARS);
    expect(ops.WEBHOOK_EVENTS).toEqual(WEBHOOK_EVENTS);
    const events = ops.OPERATIONS[0].fields.find((f) => f.name === 'webhook_events')!;
    expect(WEBHOOK_EVENTS.every((e) => events.pattern!.test(e))).toBe(true);
    expect(events.pattern!.test('output')).toBe(false);
  });

  it('cover every /v1 job operation', () => {
    expect(ops.OPERATIONS.map((op) => op.path).sort()).toEqual(Object.keys(DTOS).sort());
  });

  it.each(ops.OPERATIONS.map((op) => [op.path, op] as const))('%s: a fully filled form passes the DTO', (path, op) => {
    const values = Object.fromEntries(op.fields.map((f) => [f.name, validValue(f)]));
    expect(ops.validate(op, values)).toEqual({});
    expect(dtoProblems(path, ops.toBody(op, values))).toEqual([]);
  });

  it.each(ops.OPERATIONS.map((op) => [op.path, op] as const))(
    '%s: numbers just outside the limits are refused by the form and by the DTO alike',
    (path, op) => {
      const base = Object.fromEntries(op.fields.map((f) => [f.name, validValue(f)]));
      for (const field of op.fields.filter((f) => f.kind === 'number')) {
        for (const wrong of [field.min! - 1, field.max! + 1]) {
          const values = { ...base, [field.name]: String(wrong) };
          expect(ops.validate(op, values)[field.name], `${field.name}=${wrong}`).toBeDefined();
          expect(dtoProblems(path, ops.toBody(op, values)), `${field.name}=${wrong}`).toContain(field.name);
        }
      }
      for (const field of op.fields.filter((f) => f.maxLength)) {
        const values = { ...base, [field.name]: 'x'.repeat(field.maxLength! + 1) };
        expect(ops.validate(op, values)[field.name]).toBeDefined();
        expect(dtoProblems(path, ops.toBody(op, values))).toContain(field.name);
      }
    },
  );

  it('requires what the API requires, including one-of pairs', () => {
    const imagine = ops.OPERATIONS.find((op) => op.id === 'imagine')!;
    expect(ops.validate(imagine, {})).toEqual({ prompt: 'Required' });
    expect(ops.validate(imagine, { prompt: '   ' })).toEqual({ prompt: 'Required' });
    expect(ops.validate(imagine, { prompt: 'x', 'options.ar': '16-9' })).toHaveProperty(['options.ar']);
    const remix = ops.OPERATIONS.find((op) => op.id === 'remix')!;
    expect(ops.validate(remix, {})['']).toMatch(/image_url or image_id/);
    expect(dtoProblems('/v1/ideogram/remix', ops.toBody(remix, {}))).toContain('image_url');
  });

  it('nests dotted fields and leaves empty ones out', () => {
    const imagine = ops.OPERATIONS.find((op) => op.id === 'imagine')!;
    expect(ops.toBody(imagine, { prompt: 'p', 'options.chaos': '5', 'options.tile': false, image_url: '' })).toEqual({
      prompt: 'p',
      options: { chaos: 5 },
    });
  });

  it('turns result.actions strings into the actions route’s body', () => {
    expect(ops.parseAction('upscale:1')).toEqual({ action: 'upscale', index: 1 });
    expect(ops.parseAction('pan:1:left')).toEqual({ action: 'pan', index: 1, direction: 'left' });
    expect(ops.parseAction('reroll')).toEqual({ action: 'reroll' });
    expect(ops.parseAction('animate:2')).toEqual({ action: 'animate', index: 2 });
    expect(ops.actionLabel('vary:4')).toBe('V4');
    expect(ops.actionLabel('pan:1:left')).toBe('Pan ←');
    expect(ops.actionLabel('extend:2')).toBe('Extend 2');
  });
});
