/** Parses an imagine prompt as Midjourney does: leading image URLs, text, then `--flag value` pairs. */
export interface ParsedPrompt {
  images: string[];
  text: string;
  flags: Map<string, string | true>;
  /** Flags given more than once, aliases counted (`--c 5 --chaos 9`): Midjourney refuses those. */
  repeated: string[];
}

/** Spellings of one flag (`--c`/`--chaos`); `--niji` with `--v` is reported as a conflict instead. */
const CANONICAL: Record<string, string> = {
  c: 'chaos',
  aspect: 'ar',
  s: 'stylize',
  w: 'weird',
  version: 'v',
  quality: 'q',
  personalize: 'p',
  style: 'raw',
};

const VALUE_FLAGS = new Set([
  'ar',
  'aspect',
  'chaos',
  'c',
  'stylize',
  's',
  'weird',
  'w',
  'v',
  'version',
  'niji',
  'q',
  'quality',
  'stop',
  'seed',
  'no',
  'sref',
  'sw',
  'cref',
  'cw',
  'oref',
  'ow',
  'iw',
  'p',
  'exp',
  'motion',
  'video',
  'bs',
  'end',
  'style',
]);
const BOOL_FLAGS = new Set(['tile', 'raw', 'draft', 'fast', 'relax', 'turbo', 'loop', 'niji']);

export function parsePrompt(prompt: string): ParsedPrompt {
  const tokens = prompt.trim().split(/\s+/);
  const images: string[] = [];
  while (tokens.length && /^https?:\/\//.test(tokens[0])) images.push(tokens.shift()!);
  const textParts: string[] = [];
  const flags = new Map<string, string | true>();
  const seen = new Set<string>();
  const repeated: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (token.startsWith('--') && token.length > 2) {
      const name = token.slice(2).toLowerCase();
      const canonical = CANONICAL[name] ?? name;
      if (seen.has(canonical)) repeated.push(name);
      seen.add(canonical);
      const next = tokens[i + 1];
      if (next !== undefined && !next.startsWith('--') && (VALUE_FLAGS.has(name) || !BOOL_FLAGS.has(name))) {
        flags.set(name, next);
        i++;
      } else flags.set(name, true);
    } else if (flags.size === 0) textParts.push(token);
  }
  return { images, text: textParts.join(' '), flags, repeated };
}

const RANGES: Record<string, [number, number]> = {
  chaos: [0, 100],
  c: [0, 100],
  stylize: [0, 1000],
  s: [0, 1000],
  weird: [0, 3000],
  w: [0, 3000],
  stop: [10, 100],
  sw: [0, 1000],
  ow: [1, 1000],
  exp: [0, 100],
  iw: [0, 3],
};
const VERSIONS = new Set(['5', '5.1', '5.2', '6', '6.1', '7']);
const KNOWN = new Set([...VALUE_FLAGS, ...BOOL_FLAGS]);

/** The reason Midjourney would reject the flags, or null. */
export function invalidFlag(parsed: ParsedPrompt): string | null {
  for (const [name, value] of parsed.flags) {
    if (!KNOWN.has(name)) return `Unrecognized parameter(s): \`--${name}\``;
    const range = RANGES[name];
    if (range) {
      const n = value === true ? Number.NaN : Number(value); // a bare `--chaos` has no value at all
      if (!Number.isFinite(n) || n < range[0] || n > range[1]) return `Invalid value for --${name}: ${String(value)}`;
    }
    if ((name === 'v' || name === 'version') && !VERSIONS.has(String(value))) return `Invalid version ${String(value)}`;
    if ((name === 'ar' || name === 'aspect') && !/^\d+:\d+$/.test(String(value))) {
      return `Invalid aspect ratio ${String(value)}`;
    }
  }
  if (parsed.repeated.length) return `Duplicate parameter(s): \`--${parsed.repeated[0]}\``;
  if (parsed.flags.has('niji') && (parsed.flags.has('v') || parsed.flags.has('version'))) {
    return 'Conflicting parameters: --niji and --v cannot be used together';
  }
  if (parsed.flags.has('oref') && parsed.flags.has('niji')) return 'Omni reference does not work with niji';
  if (parsed.flags.has('video') && (parsed.flags.has('chaos') || parsed.flags.has('ar'))) {
    return 'Conflicting parameters: --chaos and --ar do not apply to --video';
  }
  return null;
}

/** Size at 1024 on the long... as MJ: the short side scales so the area stays near 1024². */
export function sizeOf(ar: string | undefined): { width: number; height: number } {
  const [w, h] = (ar ?? '1:1').split(':').map(Number);
  if (!w || !h) return { width: 1024, height: 1024 };
  const scale = Math.sqrt((1024 * 1024) / (w * h));
  const round = (n: number) => Math.max(64, Math.round((n * scale) / 16) * 16);
  return { width: round(w), height: round(h) };
}

/** The echo MJ sends back: versions gain a decimal (`--v 7` → `--v 7.0`). */
export function normaliseEcho(prompt: string): string {
  return prompt
    .replace(/--v (\d+)(?![.\d])/g, '--v $1.0')
    .replace(/\s+/g, ' ')
    .trim();
}
