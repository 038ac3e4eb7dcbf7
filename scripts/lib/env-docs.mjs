// Renders the README's list of every environment variable from .env.example (the one place they are documented
// with their meaning), so the two cannot drift: `node scripts/env-docs.mjs --write` updates README.md, and a spec
// fails when it is stale.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const root = resolve(import.meta.dirname, '..', '..');
const BEGIN = '<!-- env:begin (generated from .env.example by `node scripts/env-docs.mjs --write`) -->';
const END = '<!-- env:end -->';

/** [{section, variables: [{name, value}]}] in .env.example's order. */
export function parseEnvExample(text = readFileSync(join(root, '.env.example'), 'utf8')) {
  /** @type {{ section: string, variables: { name: string, value: string }[] }[]} */
  const sections = [];
  for (const line of text.split('\n')) {
    const heading = /^# ---- (.*?) -+\s*$/.exec(line);
    if (heading) sections.push({ section: heading[1], variables: [] });
    const variable = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (variable && sections.length) sections.at(-1).variables.push({ name: variable[1], value: variable[2] });
  }
  return sections;
}

export function renderEnvList(sections = parseEnvExample()) {
  const lines = sections.map(
    ({ section, variables }) =>
      `- **${section}**: ${variables.map((v) => `\`${v.name}\`${v.value ? ` (${v.value})` : ''}`).join(', ')}`,
  );
  return [BEGIN, ...lines, END].join('\n');
}

/** The README with its generated block replaced by the current one. */
export function withEnvList(readme) {
  const start = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error('README.md lacks the env:begin/env:end markers');
  return readme.slice(0, start) + renderEnvList() + readme.slice(end + END.length);
}
