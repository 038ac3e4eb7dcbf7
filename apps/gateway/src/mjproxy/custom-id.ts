import type { MidjourneyPanDirection } from '@app/contracts';

/** A follow-up as POST /v1/midjourney/actions takes it, parsed from a proxy button's customId. */
export interface ParsedAction {
  action: 'upscale' | 'vary' | 'reroll' | 'pan' | 'animate' | 'extend';
  index?: number;
  type?: 'subtle' | 'creative';
  strength?: 'subtle' | 'strong';
  direction?: MidjourneyPanDirection;
  motion?: 'low' | 'high';
}

export type CustomIdParse = { ok: true; action: ParsedAction } | { ok: false; reason: string };

export interface Button {
  customId: string;
  emoji: string;
  label: string;
  type: number;
  style: number;
}

const PAN_EMOJI: Record<MidjourneyPanDirection, string> = { left: '⬅️', right: '➡️', up: '⬆️', down: '⬇️' };

/**
 * The customIds midjourney-proxy (and its trueai-org fork) put on buttons, `MJ::JOB::<verb>::<index>::<hash>[::SOLO]`,
 * as our actions. The hash is the proxies' message hash: the parent is named by taskId, so it is not needed here.
 * Zoom (`MJ::Outpaint::…`, `MJ::CustomZoom::…`) is refused: our zoom has no established web request.
 */
export function parseCustomId(customId: string): CustomIdParse {
  const parts = customId.split('::');
  if (parts[0] !== 'MJ' || parts.length < 3) {
    return { ok: false, reason: `customId '${customId}' is not a MJ:: button` };
  }
  if (parts[1] === 'Outpaint' || parts[1] === 'CustomZoom' || parts[1] === 'Inpaint') {
    return {
      ok: false,
      reason: `${parts[1]} (zoom / vary region) is not supported: midjourney.com's web request for it is not established`,
    };
  }
  if (parts[1] !== 'JOB') return { ok: false, reason: `customId '${customId}' is not a supported button` };
  const verb = parts[2];
  const index = Number(parts[3]);
  const cell = Number.isInteger(index) && index >= 1 && index <= 4 ? index : undefined;
  const needCell = (action: ParsedAction): CustomIdParse =>
    cell === undefined ? { ok: false, reason: `customId '${customId}' has no index 1–4` } : { ok: true, action };
  switch (verb) {
    case 'upsample':
      return needCell({ action: 'upscale', index: cell });
    case 'variation':
      return needCell({ action: 'vary', index: cell });
    case 'low_variation':
      return needCell({ action: 'vary', index: cell, strength: 'subtle' });
    case 'high_variation':
      return needCell({ action: 'vary', index: cell, strength: 'strong' });
    case 'reroll':
      return { ok: true, action: { action: 'reroll' } };
    case 'pan_left':
    case 'pan_right':
    case 'pan_up':
    case 'pan_down':
      return needCell({ action: 'pan', index: cell, direction: verb.slice(4) as MidjourneyPanDirection });
    case 'animate_high':
    case 'animate_low':
      return needCell({ action: 'animate', index: cell, motion: verb === 'animate_low' ? 'low' : 'high' });
    case 'extend_high':
    case 'extend_low':
      return needCell({ action: 'extend', index: cell, motion: verb === 'extend_low' ? 'low' : 'high' });
  }
  const upscale = /^upsample_v\d+(?:_\d+)?_2x_(subtle|creative)$/.exec(verb);
  if (upscale) return needCell({ action: 'upscale', index: cell, type: upscale[1] as 'subtle' | 'creative' });
  return { ok: false, reason: `The button '${verb}' is not supported` };
}

/** The proxies' `change` actions (`/mj/submit/change`, `/mj/submit/simple-change`). */
export function parseChange(action: string, index?: number): CustomIdParse {
  const cell = index !== undefined && Number.isInteger(index) && index >= 1 && index <= 4 ? index : undefined;
  switch (action.toUpperCase()) {
    case 'REROLL':
      return { ok: true, action: { action: 'reroll' } };
    case 'UPSCALE':
      return cell
        ? { ok: true, action: { action: 'upscale', index: cell } }
        : { ok: false, reason: 'index must be 1–4' };
    case 'VARIATION':
      return cell ? { ok: true, action: { action: 'vary', index: cell } } : { ok: false, reason: 'index must be 1–4' };
  }
  return { ok: false, reason: `action must be UPSCALE, VARIATION or REROLL, not '${action}'` };
}

/** `"<taskId> U2"`, `"<taskId> V1"`, `"<taskId> R"`. */
export function parseSimpleChange(content: string): { taskId: string; change: CustomIdParse } {
  const match = /^\s*(\S+)\s+([UVR])([1-4])?\s*$/i.exec(content);
  if (!match) return { taskId: '', change: { ok: false, reason: "content must read '<taskId> U1-4|V1-4|R'" } };
  const kind = match[2].toUpperCase();
  const action = kind === 'U' ? 'UPSCALE' : kind === 'V' ? 'VARIATION' : 'REROLL';
  return { taskId: match[1], change: parseChange(action, match[3] ? Number(match[3]) : undefined) };
}

/**
 * The buttons of a completed job: exactly the follow-ups its `result.actions` allows, written as the proxies write
 * them (so a client that replays a button's customId gets that follow-up). `grid` tells a grid (U/V per cell) from
 * an upscaled image (Vary subtle/strong).
 */
export function buttonsFor(actions: readonly string[], hash: string, grid: boolean): Button[] {
  const button = (customId: string, label: string, emoji = ''): Button => ({
    customId,
    emoji,
    label,
    type: 2,
    style: 2,
  });
  const out: Button[] = [];
  for (const action of actions) {
    const [verb, index, direction] = action.split(':');
    if (verb === 'upscale') out.push(button(`MJ::JOB::upsample::${index}::${hash}`, `U${index}`));
    else if (verb === 'vary' && grid) out.push(button(`MJ::JOB::variation::${index}::${hash}`, `V${index}`));
    else if (verb === 'vary') {
      out.push(button(`MJ::JOB::low_variation::${index}::${hash}::SOLO`, 'Vary (Subtle)', '🪄'));
      out.push(button(`MJ::JOB::high_variation::${index}::${hash}::SOLO`, 'Vary (Strong)', '🪄'));
    } else if (verb === 'reroll') out.push(button(`MJ::JOB::reroll::0::${hash}::SOLO`, '', '🔄'));
    else if (verb === 'pan') {
      const d = direction as MidjourneyPanDirection;
      out.push(button(`MJ::JOB::pan_${d}::${index}::${hash}::SOLO`, grid ? `${index}` : '', PAN_EMOJI[d]));
    } else if (verb === 'animate') {
      out.push(button(`MJ::JOB::animate_high::${index}::${hash}::SOLO`, 'Animate (High motion)', '🎞️'));
      out.push(button(`MJ::JOB::animate_low::${index}::${hash}::SOLO`, 'Animate (Low motion)', '🎞️'));
    } else if (verb === 'extend') {
      out.push(button(`MJ::JOB::extend_high::${index}::${hash}::SOLO`, 'Extend (High motion)', '🎞️'));
      out.push(button(`MJ::JOB::extend_low::${index}::${hash}::SOLO`, 'Extend (Low motion)', '🎞️'));
    }
  }
  return out;
}
