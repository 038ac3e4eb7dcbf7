// The Create page's forms: one per /v1 operation, with the limits of the gateway's DTOs (apps/gateway/src/*/dto and
// libs/contracts). The console is a separate bundle and does not import them; operations.spec.ts checks the copies
// against the real lists and validates sample bodies with the real DTO classes.
import type { PROVIDER_CATALOG } from '../../../provider-catalog.mjs';

export type FieldKind =
  'text' | 'textarea' | 'number' | 'select' | 'checkbox' | 'url' | 'urls' | 'list' | 'uuid' | 'images';

export interface Field {
  /** Body path; a dot nests (`options.chaos`). */
  name: string;
  label: string;
  kind: FieldKind;
  required?: boolean;
  maxLength?: number;
  min?: number;
  max?: number;
  options?: readonly string[];
  pattern?: RegExp;
  patternMessage?: string;
  help?: string;
  placeholder?: string;
  /** Entries of a list field (urls, list, images). */
  minItems?: number;
  maxItems?: number;
  /** A number field that takes fractions (others are whole numbers). */
  decimal?: boolean;
}

export interface Operation {
  provider: (typeof PROVIDER_CATALOG)[number]['name'];
  id: string;
  title: string;
  path: string;
  fields: Field[];
  /** Cross-field rules (one of two fields…): a message, or null when fine. */
  check?: (values: Values) => string | null;
}

export type Values = Record<string, string | boolean | string[] | ImageUpload[]>;
export interface ImageUpload {
  name: string;
  data: string;
  content_type: string;
}

export const MJ_VERSIONS = ['5', '5.1', '5.2', '6', '6.1', '7'] as const;
export const MJ_NIJI_VERSIONS = ['5', '6'] as const;
export const MJ_MODES = ['relaxed', 'relax', 'fast', 'turbo'] as const;
export const MJ_QUALITIES = ['normal', '.25', '0.25', '.5', '0.5', '1', '2', '4'] as const;
export const MJ_MOTIONS = ['low', 'high'] as const;
export const MJ_BLEND_DIMENSIONS = ['portrait', 'square', 'landscape'] as const;
export const MJ_STYLE_REF = /^(https?:\/\/\S+|[A-Za-z0-9_-]{1,64})$/;
const NO_FLAGS = /^(?!.*--)[^\n]*$/;
export const IDEOGRAM_ASPECTS = [
  '1:1',
  '16:9',
  '9:16',
  '16:10',
  '10:16',
  '3:2',
  '2:3',
  '4:3',
  '3:4',
  '5:4',
  '4:5',
] as const;
export const IDEOGRAM_STYLES = ['AUTO', 'DEFAULT', 'PHOTO', 'ILLUSTRATION', 'RENDER_3D', 'ANIME', 'DESIGN'] as const;
export const IDEOGRAM_MAGIC_PROMPT = ['AUTO', 'ON', 'OFF'] as const;
export const IDEOGRAM_MODEL_VERSIONS = ['V_0_3', 'V_1_5', 'V_3_0', 'V_3_1', 'AUTO'] as const;
export const IDEOGRAM_ID = /^[A-Za-z0-9_-]{1,128}$/;
export const CHATGPT_MAX_IMAGES = 4;
export const CHATGPT_MAX_PROMPT_CHARS = 32_000;
export const GEMINI_MAX_PROMPT_CHARS = 8_000;
export const CHATGPT_CONVERSATION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const AR = /^[1-9]\d*:[1-9]\d*$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The changes a job's webhook can hear (the gateway's WEBHOOK_EVENTS). */
export const WEBHOOK_EVENTS = ['start', 'progress', 'completed'] as const;

const jobOptions: Field[] = [
  { name: 'webhook_url', label: 'Webhook URL', kind: 'url', help: 'Called when the job ends (public hosts only)' },
  {
    name: 'webhook_events',
    label: 'Webhook events (one a line)',
    kind: 'list',
    options: WEBHOOK_EVENTS,
    pattern: /^(start|progress|completed)$/,
    patternMessage: 'start, progress or completed',
    maxItems: 3,
    help: 'Which changes call the webhook: start, progress (at most every 2 s), completed (the default)',
  },
  { name: 'timeout_seconds', label: 'Deadline (s)', kind: 'number', min: 30, max: 86_400 },
];
const ideaId: Field = { name: 'idea_id', label: 'product_design idea id', kind: 'uuid' };
const sized: Field[] = [
  { name: 'aspect_ratio', label: 'Aspect ratio', kind: 'select', options: IDEOGRAM_ASPECTS },
  { name: 'style', label: 'Style', kind: 'select', options: IDEOGRAM_STYLES },
  { name: 'magic_prompt', label: 'Magic prompt', kind: 'select', options: IDEOGRAM_MAGIC_PROMPT },
  { name: 'num_images', label: 'Images', kind: 'number', min: 1, max: 4 },
  { name: 'model_version', label: 'Model', kind: 'select', options: IDEOGRAM_MODEL_VERSIONS },
];
const ideogramId = (name: string, label: string): Field => ({
  name,
  label,
  kind: 'text',
  pattern: IDEOGRAM_ID,
  patternMessage: 'letters, digits, - and _ only',
});
const oneOf = (a: string, b: string) => (values: Values) => (values[a] || values[b] ? null : `Give ${a} or ${b}`);

export const OPERATIONS: Operation[] = [
  {
    provider: 'midjourney',
    id: 'imagine',
    title: 'Midjourney · imagine',
    path: '/v1/midjourney/imagine',
    fields: [
      { name: 'prompt', label: 'Prompt', kind: 'textarea', required: true, maxLength: 4000 },
      { name: 'image_url', label: 'Reference image URL', kind: 'url' },
      { name: 'options.ar', label: 'Aspect ratio', kind: 'text', pattern: AR, patternMessage: 'W:H, e.g. 16:9' },
      { name: 'options.chaos', label: 'Chaos', kind: 'number', min: 0, max: 100 },
      { name: 'options.stylize', label: 'Stylize', kind: 'number', min: 0, max: 1000 },
      { name: 'options.weird', label: 'Weird', kind: 'number', min: 0, max: 3000 },
      { name: 'options.stop', label: 'Stop', kind: 'number', min: 10, max: 100 },
      { name: 'options.version', label: 'Version', kind: 'select', options: MJ_VERSIONS },
      { name: 'options.niji', label: 'Niji', kind: 'select', options: MJ_NIJI_VERSIONS },
      { name: 'options.quality', label: 'Quality', kind: 'select', options: MJ_QUALITIES },
      { name: 'options.mode', label: 'Mode', kind: 'select', options: MJ_MODES },
      {
        name: 'options.no',
        label: 'No (exclude)',
        kind: 'text',
        maxLength: 500,
        pattern: NO_FLAGS,
        patternMessage: 'words, no --flags',
      },
      {
        name: 'options.style_refs',
        label: 'Style references (URLs or codes, one a line)',
        kind: 'list',
        minItems: 1,
        maxItems: 5,
        pattern: MJ_STYLE_REF,
        patternMessage: 'http(s) URLs or style codes',
      },
      { name: 'options.style_weight', label: 'Style weight', kind: 'number', min: 0, max: 1000 },
      { name: 'options.omni_ref', label: 'Omni reference URL', kind: 'url' },
      { name: 'options.omni_weight', label: 'Omni weight', kind: 'number', min: 1, max: 1000 },
      { name: 'options.image_weight', label: 'Image weight', kind: 'number', min: 0, max: 3, decimal: true },
      { name: 'options.seed', label: 'Seed', kind: 'number', min: 0, max: 4_294_967_295 },
      { name: 'options.exp', label: 'Exp', kind: 'number', min: 0, max: 100 },
      { name: 'options.tile', label: 'Tile', kind: 'checkbox' },
      { name: 'options.raw', label: 'Raw', kind: 'checkbox' },
      { name: 'options.draft', label: 'Draft', kind: 'checkbox' },
      { name: 'options.private', label: 'Private', kind: 'checkbox' },
      ideaId,
      ...jobOptions,
    ],
  },
  {
    provider: 'midjourney',
    id: 'video',
    title: 'Midjourney · video',
    path: '/v1/midjourney/video',
    fields: [
      { name: 'image_url', label: 'Start image URL', kind: 'url', required: true },
      { name: 'text_prompt', label: 'Prompt', kind: 'textarea', maxLength: 4000 },
      { name: 'motion', label: 'Motion', kind: 'select', options: MJ_MOTIONS },
      { name: 'mode', label: 'Mode', kind: 'select', options: MJ_MODES },
      { name: 'ar', label: 'Aspect ratio', kind: 'text', pattern: AR, patternMessage: 'W:H, e.g. 16:9' },
      { name: 'chaos', label: 'Chaos', kind: 'number', min: 0, max: 100 },
      { name: 'batch_size', label: 'Videos', kind: 'select', options: ['1', '2', '4'] },
      { name: 'private', label: 'Private', kind: 'checkbox' },
      ideaId,
      ...jobOptions,
    ],
  },
  {
    provider: 'midjourney',
    id: 'describe',
    title: 'Midjourney · describe',
    path: '/v1/midjourney/describe',
    fields: [{ name: 'image_url', label: 'Image URL', kind: 'url', required: true }, ...jobOptions],
  },
  {
    provider: 'midjourney',
    id: 'blend',
    title: 'Midjourney · blend',
    path: '/v1/midjourney/blend',
    fields: [
      {
        name: 'image_urls',
        label: 'Image URLs (2–5, one a line)',
        kind: 'urls',
        required: true,
        minItems: 2,
        maxItems: 5,
      },
      { name: 'dimensions', label: 'Dimensions', kind: 'select', options: MJ_BLEND_DIMENSIONS },
      { name: 'mode', label: 'Mode', kind: 'select', options: MJ_MODES },
      { name: 'private', label: 'Private', kind: 'checkbox' },
      ...jobOptions,
    ],
  },
  {
    provider: 'ideogram',
    id: 'generate',
    title: 'Ideogram · generate',
    path: '/v1/ideogram/generate',
    fields: [
      { name: 'prompt', label: 'Prompt', kind: 'textarea', required: true, maxLength: 4000 },
      ...sized,
      ideaId,
      ...jobOptions,
    ],
  },
  {
    provider: 'ideogram',
    id: 'remix',
    title: 'Ideogram · remix',
    path: '/v1/ideogram/remix',
    fields: [
      { name: 'image_url', label: 'Image URL', kind: 'url' },
      ideogramId('image_id', 'or Ideogram upload id'),
      { name: 'prompt', label: 'Prompt', kind: 'textarea', maxLength: 4000 },
      { name: 'prompt_source', label: 'Prompt source', kind: 'select', options: ['AUTO', 'MANUAL'] },
      { name: 'image_weight', label: 'Image weight', kind: 'number', min: 1, max: 100 },
      ...sized,
      ideaId,
      ...jobOptions,
    ],
    check: oneOf('image_url', 'image_id'),
  },
  {
    provider: 'ideogram',
    id: 'upscale',
    title: 'Ideogram · upscale',
    path: '/v1/ideogram/upscale',
    fields: [
      { name: 'job_id', label: 'Ideogram job id', kind: 'uuid' },
      { name: 'index', label: 'Image index', kind: 'number', min: 0, max: 7 },
      ideogramId('request_id', 'or request id'),
      ideogramId('response_id', 'and response id'),
      { name: 'prompt', label: 'Prompt', kind: 'textarea', maxLength: 4000 },
      { name: 'upscale_factor', label: 'Factor', kind: 'select', options: ['X2', 'X4'] },
      ideaId,
      ...jobOptions,
    ],
    check: (v) => (v.job_id || (v.request_id && v.response_id) ? null : 'Give job_id, or request_id and response_id'),
  },
  {
    provider: 'ideogram',
    id: 'remove-background',
    title: 'Ideogram · remove background',
    path: '/v1/ideogram/remove-background',
    fields: [
      { name: 'job_id', label: 'Ideogram job id', kind: 'uuid' },
      { name: 'index', label: 'Image index', kind: 'number', min: 0, max: 7 },
      ideogramId('asset_id', 'or asset id'),
      { name: 'asset_type', label: 'Asset type', kind: 'select', options: ['RESPONSE', 'UPLOAD'] },
      ideaId,
      ...jobOptions,
    ],
    check: oneOf('job_id', 'asset_id'),
  },
  {
    provider: 'ideogram',
    id: 'describe',
    title: 'Ideogram · describe',
    path: '/v1/ideogram/describe',
    fields: [
      { name: 'image_url', label: 'Image URL', kind: 'url' },
      ideogramId('upload_id', 'or Ideogram upload id'),
      ideaId,
      ...jobOptions,
    ],
    check: oneOf('image_url', 'upload_id'),
  },
  {
    provider: 'chatgpt',
    id: 'conversation',
    title: 'ChatGPT · conversation',
    path: '/v1/chatgpt/conversations',
    fields: [
      { name: 'prompt', label: 'Message', kind: 'textarea', maxLength: CHATGPT_MAX_PROMPT_CHARS },
      { name: 'images', label: 'Upload images', kind: 'images', maxItems: CHATGPT_MAX_IMAGES },
      {
        name: 'image_urls',
        label: 'Image URLs (one a line)',
        kind: 'urls',
        maxItems: CHATGPT_MAX_IMAGES,
      },
      { name: 'gpt_url', label: 'Custom GPT URL', kind: 'url' },
      {
        name: 'conversation_id',
        label: 'Continue conversation',
        kind: 'text',
        pattern: CHATGPT_CONVERSATION_ID,
        patternMessage: 'a ChatGPT conversation id',
      },
      ...jobOptions,
    ],
    check: (v) =>
      v.prompt || (v.images as ImageUpload[] | undefined)?.length || (v.image_urls as string[] | undefined)?.length
        ? null
        : 'Write a message or add an image',
  },
  {
    provider: 'gemini',
    id: 'video',
    title: 'Gemini · Veo video',
    path: '/v1/gemini/video',
    fields: [
      { name: 'prompt', label: 'Prompt', kind: 'textarea', required: true, maxLength: GEMINI_MAX_PROMPT_CHARS },
      { name: 'image_url', label: 'Start image URL', kind: 'url', help: 'Public hosts only' },
      ...jobOptions,
    ],
  },
];

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && !!url.hostname;
  } catch {
    return false;
  }
}

/** Problems per field name (and '' for the form), empty when the values would pass the API's validation. */
export function validate(operation: Operation, values: Values): Record<string, string> {
  const problems: Record<string, string> = {};
  for (const field of operation.fields) {
    const value = values[field.name];
    const empty = value === undefined || value === '' || value === false || (Array.isArray(value) && !value.length);
    if (empty) {
      if (field.required) problems[field.name] = 'Required';
      continue;
    }
    if (typeof value === 'string') {
      if (field.required && !value.trim()) problems[field.name] = 'Required';
      else if (field.maxLength && value.length > field.maxLength) {
        problems[field.name] = `At most ${field.maxLength} characters`;
      } else if (field.kind === 'number') {
        const n = Number(value);
        if (!value.trim() || !Number.isFinite(n)) problems[field.name] = 'A number';
        else if (!field.decimal && !Number.isInteger(n)) problems[field.name] = 'A whole number';
        else if (field.min !== undefined && n < field.min) problems[field.name] = `At least ${field.min}`;
        else if (field.max !== undefined && n > field.max) problems[field.name] = `At most ${field.max}`;
      } else if (field.kind === 'url' && !isHttpUrl(value)) problems[field.name] = 'An http(s) URL';
      else if (field.kind === 'uuid' && !UUID.test(value)) problems[field.name] = 'A UUID';
      else if (field.kind === 'select' && field.options && !field.options.includes(value)) {
        problems[field.name] = 'Pick one';
      } else if (field.pattern && !field.pattern.test(value)) {
        problems[field.name] = field.patternMessage ?? 'Not valid';
      }
    } else if (Array.isArray(value)) {
      if (field.maxItems && value.length > field.maxItems) problems[field.name] = `At most ${field.maxItems}`;
      else if (field.minItems && value.length < field.minItems) problems[field.name] = `At least ${field.minItems}`;
      else if (field.kind === 'urls' && (value as string[]).some((u) => !isHttpUrl(u))) {
        problems[field.name] = 'http(s) URLs, one a line';
      } else if (field.kind === 'list' && field.pattern && (value as string[]).some((v) => !field.pattern!.test(v))) {
        problems[field.name] = field.patternMessage ?? 'Not valid';
      }
    }
  }
  const overall = operation.check?.(values);
  if (overall) problems[''] = overall;
  return problems;
}

/** The request body: empty fields left out, numbers as numbers, dotted names nested. */
export function toBody(operation: Operation, values: Values): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const field of operation.fields) {
    const value = values[field.name];
    if (value === undefined || value === '' || value === false || (Array.isArray(value) && !value.length)) continue;
    let out: unknown = value;
    if (field.kind === 'number' || (field.name === 'batch_size' && typeof value === 'string')) out = Number(value);
    if (field.kind === 'images') {
      out = (value as ImageUpload[]).map(({ data, content_type }) => ({ data, content_type }));
    }
    const path = field.name.split('.');
    let target = body;
    for (const part of path.slice(0, -1)) target = (target[part] ??= {}) as Record<string, unknown>;
    target[path.at(-1)!] = out;
  }
  return body;
}

/** A follow-up from `result.actions` ("upscale:1", "pan:1:left", "reroll") as POST /v1/midjourney/actions wants it. */
export function parseAction(action: string): { action: string; index?: number; direction?: string } {
  const [name, second, third] = action.split(':');
  const out: { action: string; index?: number; direction?: string } = { action: name };
  if (second !== undefined) {
    if (/^\d+$/.test(second)) out.index = Number(second);
    else out.direction = second;
  }
  if (third !== undefined) out.direction = third;
  return out;
}

export function actionLabel(action: string): string {
  const { action: name, index, direction } = parseAction(action);
  const words: Record<string, string> = {
    upscale: 'U',
    vary: 'V',
    pan: 'Pan',
    animate: 'Animate',
    extend: 'Extend',
    reroll: '↻ Reroll',
  };
  const arrows: Record<string, string> = { up: '↑', down: '↓', left: '←', right: '→' };
  const head = words[name] ?? name;
  if (name === 'upscale' || name === 'vary') return `${head}${index ?? ''}`;
  if (name === 'pan' && direction) return `Pan ${arrows[direction] ?? direction}`;
  return [head, index].filter((p) => p !== undefined).join(' ');
}
