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

/** The original `createPrompt`: defaults chaos 5, ar 4:3, stylize 150, weird 200, v 7; exactly one model flag. */
const MODEL_FLAG = /(^|\s)--(v|version|niji)(\s+\d+(\.\d+)?)?(?=\s|$)/gi;

export function buildImaginePrompt(input: MidjourneyImaginePayload, shortUrl?: string): string {
  const o = input.options ?? {};
  const flags = [
    `--chaos ${o.chaos ?? 5}`,
    `--ar ${o.ar ?? '4:3'}`,
    `--stylize ${o.stylize ?? 150}`,
    `--weird ${o.weird ?? 200}`,
  ];
  // Exactly one model flag: options win over a --v/--niji typed into the prompt; without options the prompt's own
  // flag stays and no default is added (two model flags make Midjourney refuse the job).
  const explicit = o.version !== undefined || (o.niji !== undefined && o.niji !== false);
  let text = sanitizePrompt(input.prompt);
  const typed = new RegExp(MODEL_FLAG.source, 'i').test(text);
  if (explicit) text = text.replace(MODEL_FLAG, ' ').replace(/\s+/g, ' ').trim();
  if (o.niji !== undefined && o.niji !== false) flags.push(`--niji ${o.niji === true ? '6' : o.niji}`);
  else if (explicit || !typed) flags.push(`--v ${o.version ?? '7'}`);
  if (o.quality && o.quality !== 'normal') flags.push(`--q ${o.quality}`);
  if (o.stop) flags.push(`--stop ${o.stop}`);
  if (o.tile) flags.push('--tile');
  return [shortUrl, text, ...flags].filter(Boolean).join(' ');
}

/** The original video prompt: `{text} {shortUrl} --chaos N --ar W:H --motion low|high --video 1`. */
export function buildVideoPrompt(input: MidjourneyVideoPayload, shortUrl: string): string {
  const flags = [`--chaos ${input.chaos}`, `--ar ${input.ar}`, `--motion ${input.motion}`, '--video 1'];
  if (input.batchSize) flags.push(`--bs ${input.batchSize}`);
  return [sanitizePrompt(input.textPrompt), shortUrl, ...flags].filter(Boolean).join(' ');
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
