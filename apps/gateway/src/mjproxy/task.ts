import { allowedActions, type Job, type JobStatus, type StoredFile } from '@app/contracts';
import { buttonsFor, type Button } from './custom-id.js';

/** What the gateway keeps of a proxy request in the job's input (`input.mjproxy`). */
export interface ProxyMeta {
  action?: string;
  state?: string;
  notifyHook?: string;
}

const ACTION_OF: Record<string, string> = {
  imagine: 'IMAGINE',
  upscale: 'UPSCALE',
  vary: 'VARIATION',
  reroll: 'REROLL',
  pan: 'PAN',
  zoom: 'ZOOM',
  describe: 'DESCRIBE',
  blend: 'BLEND',
  video: 'VIDEO',
  animate: 'VIDEO',
  extend: 'VIDEO_EXTEND',
};

const STATUS_OF: Record<JobStatus, string> = {
  pending: 'SUBMITTED',
  processing: 'IN_PROGRESS',
  completed: 'SUCCESS',
  failed: 'FAILURE',
  timeout: 'FAILURE',
  canceled: 'CANCEL',
};

const epoch = (iso: string | null) => (iso ? Date.parse(iso) : null);

/**
 * A gateway job as the proxies' Task JSON. new-api treats a task as unfinished until `progress` is "100%", so every
 * final status reads "100%" and a FAILURE always has a failReason.
 */
export function toTask(job: Job) {
  const input = job.input as { prompt?: unknown; textPrompt?: unknown; mjproxy?: ProxyMeta };
  const meta = input.mjproxy ?? {};
  const result = job.result;
  const status = STATUS_OF[job.status];
  const final = job.status !== 'pending' && job.status !== 'processing';
  const images = (result?.images ?? []).map((f: StoredFile) => f.url);
  const videos = (result?.videos ?? []).map((f: StoredFile) => f.url);
  const grid = (result?.grid as StoredFile | undefined)?.url;
  const prompt =
    typeof input.prompt === 'string' ? input.prompt : typeof input.textPrompt === 'string' ? input.textPrompt : '';
  const descriptions = Array.isArray(result?.descriptions) ? (result.descriptions as string[]) : undefined;
  const failReason =
    status === 'FAILURE'
      ? job.error?.message || job.error?.code || `Job ${job.status}`
      : status === 'CANCEL'
        ? job.error?.message || 'Canceled'
        : null;
  let buttons: Button[] = [];
  if (job.status === 'completed' && result) {
    const actions = Array.isArray(result.actions)
      ? (result.actions as string[])
      : allowedActions({ operation: job.operation, images: images.length, videos: videos.length });
    buttons = buttonsFor(actions, String(result.providerJobId ?? job.id), grid !== undefined || images.length > 1);
  }
  return {
    id: job.id,
    action: meta.action ?? ACTION_OF[job.operation] ?? job.operation.toUpperCase(),
    status,
    progress: final ? '100%' : `${Math.max(0, Math.min(99, Math.round(job.progress)))}%`,
    prompt: descriptions ? descriptions.join('\n\n') : prompt,
    promptEn: descriptions ? descriptions.join('\n\n') : prompt,
    description: descriptionOf(job),
    state: meta.state ?? null,
    submitTime: epoch(job.createdAt),
    startTime: epoch(job.startedAt),
    finishTime: final ? (epoch(job.completedAt) ?? epoch(job.updatedAt)) : null,
    imageUrl: grid ?? images[0] ?? null,
    imageUrls: images.map((url) => ({ url })),
    videoUrl: videos[0] ?? null,
    videoUrls: videos.map((url) => ({ url })),
    failReason,
    buttons,
    properties: {
      finalPrompt: typeof result?.submittedPrompt === 'string' ? result.submittedPrompt : prompt,
      messageId: typeof result?.providerJobId === 'string' ? result.providerJobId : null,
      messageHash: typeof result?.providerJobId === 'string' ? result.providerJobId : null,
      notifyHook: meta.notifyHook ?? null,
      ...(descriptions ? { descriptions } : {}),
      ...(typeof result?.seed === 'string' || typeof result?.seed === 'number' ? { seed: String(result.seed) } : {}),
    },
  };
}

export type Task = ReturnType<typeof toTask>;

function descriptionOf(job: Job): string {
  switch (job.status) {
    case 'pending':
      return 'Submitted, waiting for an account';
    case 'processing':
      return 'In progress';
    case 'completed':
      return 'Success';
    case 'canceled':
      return 'Canceled';
    default:
      return job.error?.message ?? 'Failed';
  }
}
