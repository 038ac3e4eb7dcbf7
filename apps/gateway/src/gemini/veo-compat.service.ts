import { Injectable } from '@nestjs/common';
import { ObjectStorage } from '@app/storage';
import type { ApiKey } from '../auth/api-key.js';
import { GatewayException } from '../errors/gateway.exception.js';
import { JobsService } from '../jobs/jobs.service.js';
import { GeminiService } from './gemini.service.js';
import { jobIdOfFileName, veoJob, veoJobView, videoFileName, videoOf } from './veo-mapping.js';
import { VeoStats } from './veo-stats.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** How many jobs `GET /veo3/jobs` lists (the original listed its in-memory map, lost on restart). */
const LIST_LIMIT = 100;

/**
 * The original Veo service's routes on top of durable jobs, in the original answer shapes (PROVIDERS.md §1.5):
 * `jobId` is the gateway job id (also readable at /v1/jobs/:id), videos come from storage.
 */
@Injectable()
export class VeoCompatService {
  constructor(
    private readonly gemini: GeminiService,
    private readonly jobs: JobsService,
    private readonly storage: ObjectStorage,
    private readonly stats: VeoStats,
  ) {}

  index() {
    return {
      service: 'Veo3 Video Generation API',
      version: '1.0.0',
      status: 'running',
      endpoints: {
        'POST /veo3/generate': 'Start a video: {prompt, image_url?}',
        'GET /veo3/job/:jobId': 'Status of a video job',
        'GET /veo3/download/:filename': 'Download a finished video',
        'GET /veo3/jobs': 'Recent video jobs',
        'GET /veo3/health': 'Service counters',
        'POST /v1/gemini/video': 'The same as a job of the current API (webhooks, SSE, Prefer: wait)',
      },
      documentation: '/docs',
    };
  }

  health(detailed: boolean) {
    return this.stats.snapshot('running', detailed);
  }

  async generate(key: ApiKey, body: { prompt?: string; image_url?: string }, idempotencyKey?: string) {
    if (!body.prompt?.trim()) throw new GatewayException('INVALID_REQUEST', 'Prompt is required');
    const { job } = await this.gemini.video(key, { prompt: body.prompt, imageUrl: body.image_url }, idempotencyKey);
    return {
      success: true,
      jobId: job.id,
      message: 'Video generation started',
      estimatedTime: '2-10 minutes',
      timestamp: new Date().toISOString(),
    };
  }

  async job(id: string) {
    const job = UUID.test(id) ? await this.jobs.find(id) : null;
    if (!job || job.provider !== 'gemini') throw new GatewayException('NOT_FOUND', 'Job not found');
    return veoJobView(job);
  }

  async list(key: ApiKey) {
    const { data } = await this.jobs.list(key, { provider: 'gemini', limit: LIST_LIMIT });
    return { success: true, count: data.length, jobs: data.map(veoJob), timestamp: new Date().toISOString() };
  }

  /** The video of `<job id>.<ext>`, read from the job's own stored path: a name never reaches storage as a path. */
  async download(name: string): Promise<{ bytes: Buffer; contentType: string; name: string }> {
    const id = jobIdOfFileName(name);
    const job = id ? await this.jobs.find(id) : null;
    const video = job && job.provider === 'gemini' ? videoOf(job) : undefined;
    if (!job || !video || videoFileName(job) !== name) throw new GatewayException('NOT_FOUND', 'File not found');
    const object = await this.storage.get(video.bucket, video.path).catch((error: unknown) => {
      throw new GatewayException('STORAGE_ERROR', `Reading the video failed: ${String(error)}`);
    });
    if (!object) throw new GatewayException('NOT_FOUND', 'File not found');
    return { bytes: object.bytes, contentType: video.contentType || object.contentType, name };
  }
}
