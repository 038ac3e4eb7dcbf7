import type { MidjourneyImaginePayload, MidjourneyVideoPayload } from '@app/contracts';

/**
 * Cleans a prompt without eating words: curly quotes become straight, whitespace collapses, and per-prompt mode
 * flags go (the job's mode applies). The original deleted apostrophes ("It's" → "Its"); never again.
 */
export function sanitizePrompt(text: string): string {
  return text
    .replace(/[\u2018\u2019\u201A\u201B\u2032]/g, "'")
    .replace(/[\u201C\u201D\u201E\u201F\u2033]/g, '"')
    .replace(/(^|\s)--(fast|relax|relaxed|turbo)(?=\s|$)/gi, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * Flag spellings that mean the same flag (PROVIDERS.md §2.6): each key is the canonical name a prompt carries at
 * most once. `--v`/`--version`/`--niji` are one "model" flag: two model flags make Midjourney refuse the job.
 */
const ALIASES: Record<string, string> = {
  c: 'chaos',
  chaos: 'chaos',
  ar: 'ar',
  aspect: 'ar',
  s: 'stylize',
  stylize: 'stylize',
  w: 'weird',
  weird: 'weird',
  v: 'model',
  version: 'model',
  niji: 'model',
  q: 'q',
  quality: 'q',
  p: 'p',
  personalize: 'p',
  raw: 'raw',
  style: 'raw', // `--style raw`
  sameseed: 'seed',
};

/** How many words a flag's value has; flags not listed take every word up to the next flag (`--no red cars`). */
const ARITY: Record<string, number> = {
  chaos: 1,
  ar: 1,
  stylize: 1,
  weird: 1,
  model: 1,
  q: 1,
  stop: 1,
  seed: 1,
  iw: 1,
  sw: 1,
  ow: 1,
  cw: 1,
  exp: 1,
  oref: 1,
  bs: 1,
  motion: 1,
  video: 1,
  end: 1,
  tile: 0,
  draft: 0,
  raw: 0,
  style: 1, // `--style raw`
};

/** One flag as written: its canonical name and its full text (`--ar 16:9`). */
interface Flag {
  name: string;
  text: string;
}

/**
 * Splits a sanitized prompt into its text and the flags that follow it (flags follow the text, §2.6). A flag's
 * value is every word up to the next flag (`--no red cars`).
 */
export function splitFlags(prompt: string): { text: string; flags: Flag[] } {
  const parts = ` ${prompt}`.split(/\s(?=--[a-z])/i);
  const words = [parts.shift()!.trim()];
  const flags = parts.map((part) => {
    const [head, ...rest] = part.trim().split(' ');
    const raw = head.slice(2).toLowerCase();
    const name = ALIASES[raw] ?? raw;
    // Words past a flag's known arity are text typed after it ("a fox --v 6 in snow"): they go back to the text.
    const arity = ARITY[raw] ?? ARITY[name];
    const value = arity === undefined ? rest : rest.slice(0, arity);
    if (arity !== undefined) words.push(...rest.slice(arity));
    return { name, text: [head, ...value].join(' ') };
  });
  return { text: words.filter(Boolean).join(' '), flags };
}

/** Appends a flag, replacing any earlier one of the same canonical name (later wins). */
function put(flags: Map<string, string>, name: string, text: string): void {
  flags.delete(name);
  flags.set(name, text);
}

/**
 * The full imagine prompt: image URLs first, the text, then exactly one of each flag. An explicit option beats a
 * flag typed in the prompt, which beats the original's defaults (chaos 5, ar 4:3, stylize 150, weird 200, v 7).
 * `refs` are the uploaded forms of the reference URLs (the adapter uploads them first).
 */
export function buildImaginePrompt(
  input: MidjourneyImaginePayload,
  shortUrl?: string,
  refs: { styleRefs?: string[]; omniRef?: string; imageUrls?: string[] } = {},
): string {
  const o = input.options ?? {};
  const { text, flags: typedFlags } = splitFlags(sanitizePrompt(input.prompt));
  // Defaults first, in the original's order; typed flags replace them in place; options replace both.
  const flags = new Map<string, string>([
    ['chaos', '--chaos 5'],
    ['ar', '--ar 4:3'],
    ['stylize', '--stylize 150'],
    ['weird', '--weird 200'],
    ['model', '--v 7'],
  ]);
  for (const flag of typedFlags) {
    if (flags.has(flag.name) && ['chaos', 'ar', 'stylize', 'weird', 'model'].includes(flag.name)) {
      flags.set(flag.name, flag.text); // keeps the default's place
    } else put(flags, flag.name, flag.text);
  }
  const set = (name: string, value: string) =>
    flags.has(name) && ['chaos', 'ar', 'stylize', 'weird', 'model'].includes(name)
      ? flags.set(name, value)
      : put(flags, name, value);
  if (o.chaos !== undefined) set('chaos', `--chaos ${o.chaos}`);
  if (o.ar !== undefined) set('ar', `--ar ${o.ar}`);
  if (o.stylize !== undefined) set('stylize', `--stylize ${o.stylize}`);
  if (o.weird !== undefined) set('weird', `--weird ${o.weird}`);
  if (o.niji !== undefined && o.niji !== false) set('model', `--niji ${o.niji === true ? '6' : o.niji}`);
  else if (o.version !== undefined) set('model', `--v ${o.version}`);
  if (o.quality && o.quality !== 'normal') set('q', `--q ${o.quality}`);
  if (o.stop) set('stop', `--stop ${o.stop}`);
  if (o.tile) set('tile', '--tile');
  const styleRefs = refs.styleRefs ?? o.style_refs;
  if (styleRefs?.length) set('sref', `--sref ${styleRefs.join(' ')}`);
  if (o.style_weight !== undefined) set('sw', `--sw ${o.style_weight}`);
  const omniRef = refs.omniRef ?? o.omni_ref;
  if (omniRef) set('oref', `--oref ${omniRef}`);
  if (o.omni_weight !== undefined) set('ow', `--ow ${o.omni_weight}`);
  if (o.image_weight !== undefined) set('iw', `--iw ${o.image_weight}`);
  if (o.seed !== undefined) set('seed', `--seed ${o.seed}`);
  if (o.no) set('no', `--no ${sanitizePrompt(o.no)}`);
  if (o.raw) set('raw', '--raw');
  if (o.personalize) set('p', o.personalize === true ? '--p' : `--p ${o.personalize}`);
  if (o.draft) set('draft', '--draft');
  if (o.exp !== undefined) set('exp', `--exp ${o.exp}`);
  const images = [...(refs.imageUrls ?? []), shortUrl];
  return [...images, text, ...flags.values()].filter(Boolean).join(' ');
}

/**
 * A video prompt as public web clients build it (PROVIDERS.md §7): the start frame's URL first, then the text,
 * then `--bs N --motion low|high --video 1`, and `--end <url>` or `--end loop`; no `--chaos`/`--ar` with `--video`.
 */
export function buildVideoPrompt(
  input: Pick<MidjourneyVideoPayload, 'textPrompt' | 'motion' | 'batchSize'> & { end?: string },
  startUrl?: string,
): string {
  const { text, flags: typed } = splitFlags(sanitizePrompt(input.textPrompt ?? ''));
  // Flags typed into the text stay, except those the video options own or that do not go with --video.
  const owned = new Set(['chaos', 'ar', 'bs', 'motion', 'video', 'end']);
  const flags = typed.filter((f) => !owned.has(f.name)).map((f) => f.text);
  if (input.batchSize) flags.push(`--bs ${input.batchSize}`);
  flags.push(`--motion ${input.motion}`, '--video 1');
  if (input.end) flags.push(`--end ${input.end}`);
  return [startUrl, text, ...flags].filter(Boolean).join(' ');
}

/** Comparable form of a prompt or MJ's echo of it (MJ rewrites `--v 7` as `--v 7.0`; URLs get rewritten). */
export function comparablePrompt(prompt: string): string {
  return prompt
    .replace(/https?:\/\/\S+/g, '')
    .replace(/--(v|niji) (\d+)\.0(?=\s|$)/g, '--$1 $2')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
}
