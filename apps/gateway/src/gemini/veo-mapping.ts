import type { Job, JobStatus, StoredFile } from '@app/contracts';

/** The original service's four statuses: every unsuccessful end is `failed`, so the n8n flow's failure branch fires. */
export const VEO_STATUS: Record<JobStatus, 'queued' | 'processing' | 'completed' | 'failed'> = {
  pending: 'queued',
  processing: 'processing',
  completed: 'completed',
  failed: 'failed',
  timeout: 'failed',
  canceled: 'failed',
};

const EXTENSION: Record<string, string> = { 'video/mp4': 'mp4', 'video/webm': 'webm' };
const FILE_NAME = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.(mp4|webm)$/;

/** The job's stored video, if it has one. */
export function videoOf(job: Job): StoredFile | undefined {
  return job.result?.videos?.[0];
}

/**
 * The name `/veo3/download/<file>` serves a job's video under: the job id and the video's extension. A name is never a
 * path: the route maps it back to the job, and storage is asked for the job's own stored path.
 */
export function videoFileName(job: Job): string | null {
  const video = videoOf(job);
  return video ? `${job.id}.${EXTENSION[video.contentType] ?? 'mp4'}` : null;
}

/** The job id a download name stands for, or null for anything else (traversal, other names, other cases). */
export function jobIdOfFileName(name: string): string | null {
  return FILE_NAME.exec(name)?.[1] ?? null;
}

/** One job in the original's fields (`GET /veo3/job/:jobId`, the items of `GET /veo3/jobs`). */
export function veoJob(job: Job) {
  const input = job.input as { prompt?: unknown; imageUrl?: unknown };
  const video = videoOf(job);
  const file = videoFileName(job);
  return {
    jobId: job.id,
    prompt: typeof input.prompt === 'string' ? input.prompt : '',
    image_url: typeof input.imageUrl === 'string' ? input.imageUrl : null,
    status: VEO_STATUS[job.status],
    createdAt: job.createdAt,
    startedAt: job.startedAt,
    completedAt: job.completedAt,
    videoPath: video ? `${video.bucket}/${video.path}` : null,
    videoUrl: file ? `/veo3/download/${file}` : null,
    error: job.error?.message ?? null,
  };
}

/** `GET /veo3/job/:jobId` as the original answered it. */
export function veoJobView(job: Job) {
  return { success: true, ...veoJob(job), timestamp: new Date().toISOString() };
}
