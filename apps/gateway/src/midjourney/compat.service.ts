import { Injectable } from '@nestjs/common';
import type { MidjourneyImagineOptions } from '@app/contracts';
import type { ApiKey } from '../auth/api-key.js';
import { GatewayException } from '../errors/gateway.exception.js';
import { LegacyStats } from './legacy-stats.js';
import { MidjourneyService, type VideoRequest } from './midjourney.service.js';

/** Translates the original routes onto durable jobs and back into the original answer shapes. */
@Injectable()
export class CompatService {
  constructor(
    private readonly midjourney: MidjourneyService,
    private readonly stats: LegacyStats,
  ) {}

  async health(detailed = false) {
    const status = await this.midjourney.status().then(
      (s) => (s.account.state === 'ready' || s.account.state === 'cooling_down' ? 'running' : 'error'),
      () => 'stopped' as const,
    );
    return this.stats.snapshot(status, detailed);
  }

  async init() {
    const status = await this.midjourney.init();
    if (!status.account.signedIn) {
      throw new GatewayException(
        status.account.state === 'challenge' ? 'CHALLENGE' : 'SIGNED_OUT',
        `Midjourney account is ${status.account.state}`,
      );
    }
    return { success: true, message: 'Midjourney client initialized', status: status.account.state };
  }

  /** A replay of the same Idempotency-Key answers with the job the first request created (n8n retries). */
  async genImage(
    key: ApiKey,
    request: { prompt: string; imageUrl?: string; options: MidjourneyImagineOptions; ideaId?: string },
    idempotencyKey?: string,
  ) {
    const { job } = await this.midjourney.imagine(key, request, idempotencyKey);
    return {
      success: true,
      message: 'Image generation started',
      data: { jobId: job.id, status: job.status, links: { self: `/v1/jobs/${job.id}` } },
      jobId: job.id,
      batchSize: 4,
      status: 'processing',
      retryCount: 0,
      mode: request.ideaId ? 'database' : 'standalone',
      timestamp: new Date().toISOString(),
    };
  }

  async genVideo(key: ApiKey, request: VideoRequest, idempotencyKey?: string) {
    const { job } = await this.midjourney.video(key, request, idempotencyKey);
    const input = job.input as { textPrompt: string; motion: string; chaos: number; ar: string };
    return {
      success: true,
      message: 'Video generation started',
      data: { jobId: job.id, status: job.status, links: { self: `/v1/jobs/${job.id}` } },
      retryCount: 0,
      jobId: job.id,
      // The original answered with MJ's short URL of the upload, known only after submission; the job holds it later.
      imageUrl: request.imageUrl,
      prompt: `${input.textPrompt} --chaos ${input.chaos} --ar ${input.ar} --motion ${input.motion} --video 1`,
      timestamp: new Date().toISOString(),
    };
  }

  async status() {
    try {
      const status = await this.midjourney.status();
      return {
        success: true,
        isLoggedIn: status.account.signedIn,
        status: status.account.state,
        uptime: status.uptimeSeconds,
      };
    } catch (error) {
      if (error instanceof GatewayException && error.code === 'WORKER_UNAVAILABLE') {
        return {
          success: false,
          isLoggedIn: false,
          message: 'The Midjourney service is not running',
          status: 'stopped',
        };
      }
      throw error;
    }
  }

  proxyImage(url: string) {
    return this.midjourney.proxyImage(url);
  }
}
