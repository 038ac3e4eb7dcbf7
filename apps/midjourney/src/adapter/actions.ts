import {
  MJ_PAN_DIRECTION_CODE,
  MJ_SITE_MODE,
  ProviderException,
  type MidjourneyActionPayload,
  type MidjourneyMode,
} from '@app/contracts';
import { buildVideoPrompt, sanitizePrompt, splitFlags } from './prompt-builder.js';

/** Our grid cells and videos count 1–4 (as the proxies' U1–U4); the site's `index`/`image_num` count 0–3. */
export function siteIndex(index: number | undefined): number {
  return (index ?? 1) - 1;
}

/** The `f.mode` the site gets for a mode we accept (`relaxed` is sent as `relax`: MJ_SITE_MODE). */
export function siteMode(mode: MidjourneyMode | undefined, fallback: MidjourneyMode): 'relax' | 'fast' | 'turbo' {
  return MJ_SITE_MODE[mode ?? fallback];
}

/** The web app's `metadata` of a submission: counts for image jobs, nulls for video (as recorded, §2.2). */
export function metadata(kind: 'image' | 'video', imagePrompts = 0): Record<string, number | null> {
  const value = kind === 'video' ? null : 0;
  return {
    isMobile: null,
    imagePrompts: kind === 'video' ? null : imagePrompts,
    imageReferences: value,
    characterReferences: value,
    depthReferences: value,
    lightboxOpen: null,
  };
}

export interface ActionSubmission {
  /** The operation-specific part of the /api/submit-jobs body (the envelope is added by the adapter). */
  fields: Record<string, unknown>;
  /** What the job's prompt is at Midjourney (for the record and reconciliation). */
  prompt: string;
  kind: 'image' | 'video';
  /** Files the job ends with: 1 for an upscale, a grid of 4 for vary/reroll/pan, the batch for videos. */
  expectedCount: number;
}

/**
 * A follow-up as the site's `/api/submit-jobs` fields (PROVIDERS.md §2.2, §7). Only recorded shapes: `upscale`
 * `{id, index, type}`, `vary` `{id, index, strong}` (with a changed prompt: `remix` `{…, newPrompt}`), `reroll`
 * `{id}`, `pan` `{id, index, direction 0–3, newPrompt, fraction 0.5, stitch true}`, `video` `{videoType, newPrompt,
 * parentJob {job_id, image_num}, animateMode}`. A reroll with a new prompt has no recorded body: it is an `imagine`
 * of that prompt with the parent's flags. `endUrl` is the uploaded end frame of an animate, if any.
 */
export function actionFields(input: MidjourneyActionPayload, endUrl?: string): ActionSubmission {
  const id = input.parentProviderJobId;
  const index = siteIndex(input.index);
  const newPrompt = input.prompt ? sanitizePrompt(input.prompt) : undefined;
  const parentPrompt = sanitizePrompt(input.parentPrompt ?? '');
  switch (input.action) {
    case 'upscale':
      return {
        fields: { t: 'upscale', id, index, type: input.type === 'creative' ? 'v7_2x_creative' : 'v7_2x_subtle' },
        prompt: parentPrompt,
        kind: 'image',
        expectedCount: 1,
      };
    case 'vary': {
      const strong = input.strength === 'strong';
      return newPrompt
        ? { fields: { t: 'remix', id, index, strong, newPrompt }, prompt: newPrompt, kind: 'image', expectedCount: 4 }
        : { fields: { t: 'vary', id, index, strong }, prompt: parentPrompt, kind: 'image', expectedCount: 4 };
    }
    case 'reroll': {
      if (!newPrompt) return { fields: { t: 'reroll', id }, prompt: parentPrompt, kind: 'image', expectedCount: 4 };
      const prompt = withParentFlags(newPrompt, parentPrompt);
      return { fields: { t: 'imagine', prompt }, prompt, kind: 'image', expectedCount: 4 };
    }
    case 'pan': {
      const prompt = newPrompt ?? parentPrompt;
      const direction = MJ_PAN_DIRECTION_CODE[input.direction ?? 'up'];
      return {
        fields: { t: 'pan', id, index, direction, newPrompt: prompt, fraction: 0.5, stitch: true },
        prompt,
        kind: 'image',
        expectedCount: 4,
      };
    }
    case 'animate':
    case 'extend': {
      const resolution = input.resolution ?? 480;
      const end = input.action === 'animate' ? (endUrl ?? (input.loop ? 'loop' : undefined)) : undefined;
      const videoType =
        input.action === 'extend'
          ? `vid_1.1_i2v_extend_${resolution}`
          : end
            ? `vid_1.1_i2v_start_end_${resolution}`
            : `vid_1.1_i2v_${resolution}`;
      // The start frame is the parent's cell (`parentJob`), so no image URL leads the prompt.
      const prompt = buildVideoPrompt({
        textPrompt: input.prompt ?? '',
        motion: input.motion ?? 'high',
        batchSize: input.batchSize,
        end,
      });
      return {
        fields: {
          t: 'video',
          videoType,
          newPrompt: prompt,
          parentJob: { job_id: id, image_num: index },
          animateMode: 'manual',
        },
        prompt,
        kind: 'video',
        expectedCount: input.batchSize ?? 4,
      };
    }
    default:
      throw new ProviderException('INVALID_PAYLOAD', `Unknown Midjourney action ${String(input.action)}`);
  }
}

/** A new prompt keeps the parent's flags unless it types its own of the same name. */
function withParentFlags(prompt: string, parentPrompt: string): string {
  const mine = splitFlags(prompt);
  const names = new Set(mine.flags.map((f) => f.name));
  const inherited = splitFlags(parentPrompt).flags.filter((f) => !names.has(f.name));
  return [mine.text, ...mine.flags.map((f) => f.text), ...inherited.map((f) => f.text)].filter(Boolean).join(' ');
}
