import { Injectable } from '@nestjs/common';
import { isTerminal, type Job } from '@app/contracts';
import type { ApiKey } from '../auth/api-key.js';
import { GatewayException } from '../errors/gateway.exception.js';
import { JobsService } from '../jobs/jobs.service.js';
import type {
  BulkDownloadBody,
  CaptionBody,
  GalleryQuery,
  GenCustomBody,
  GenImagePromptBody,
  GenerateVariationsBody,
  RemixBody,
  RemoveBackgroundBody,
  UploadBody,
  UpscaleBody,
} from './dto/ideogram-compat.dto.js';
import {
  compatCustomInput,
  compatGenImagePromptInput,
  compatRemixInput,
  compatRemoveBackgroundInput,
  compatUpscaleInput,
  compatVariationsInput,
} from './ideogram-mapping.js';
import { IdeogramService } from './ideogram.service.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The original `GET /api/job/:jobId` answer, for any Ideogram job (with or without an idea id). */
export function legacyJobView(job: Job) {
  return {
    success: true,
    jobId: job.id,
    status: job.status,
    createdAt: job.createdAt,
    updatedAt: job.updatedAt,
    errorMessage: job.error?.message ?? null,
    images: (job.result?.images ?? []).map((image) => image.url),
    isComplete: job.status === 'completed',
    // Every unsuccessful end counts as failed, so a flow polling for isComplete/isFailed always stops.
    isFailed: job.status === 'failed' || job.status === 'timeout' || job.status === 'canceled',
    isProcessing: job.status === 'pending' || job.status === 'processing',
  };
}

/**
 * Translates the original Ideogram routes onto durable jobs and back into the original answer shapes (200 on
 * accepted work; `jobId` is the gateway job id, readable at /v1/jobs/:id and /api/job/:id).
 */
@Injectable()
export class IdeogramCompatService {
  constructor(
    private readonly ideogram: IdeogramService,
    private readonly jobs: JobsService,
  ) {}

  async remix(key: ApiKey, body: RemixBody) {
    const { job } = await this.ideogram.remix(key, compatRemixInput(body), { ideaId: body.idea_id });
    return { success: true, jobId: job.id, message: 'Job started. Processing in background.' };
  }

  async generateVariations(key: ApiKey, body: GenerateVariationsBody) {
    const { job } = await this.ideogram.remix(key, compatVariationsInput(body), { ideaId: body.idea_id });
    return { success: true, jobId: job.id };
  }

  async genCustom(key: ApiKey, body: GenCustomBody) {
    const { job } = await this.ideogram.remix(key, compatCustomInput(body), { ideaId: body.idea_id });
    return { success: true, jobId: job.id };
  }

  async job(id: string) {
    const job = UUID.test(id) ? await this.jobs.find(id) : null;
    if (!job || job.provider !== 'ideogram') throw new GatewayException('NOT_FOUND', 'Job not found', { jobId: id });
    return legacyJobView(job);
  }

  /**
   * Submit-only in the original: now a durable job on the pool's account, answered with the provider's submit answer
   * once known. With the caller's own Ideogram token the submission runs on the caller's account instead, as in the
   * original, and answers the site's answer without a job (the token is never kept for polling).
   */
  async upscale(key: ApiKey, body: UpscaleBody, token?: string) {
    const input = compatUpscaleInput(body);
    if (token) return { success: true, result: (await this.ideogram.submitAsCaller('upscale', input, token)).answer };
    const { job } = await this.ideogram.upscale(key, input, {});
    return this.submitted(await this.ideogram.untilSubmitted(job), 'result');
  }

  async removeBackground(key: ApiKey, body: RemoveBackgroundBody, token?: string) {
    const input = compatRemoveBackgroundInput(body);
    if (token) {
      return { success: true, data: (await this.ideogram.submitAsCaller('remove-background', input, token)).answer };
    }
    const { job } = await this.ideogram.removeBackground(key, input, {});
    return this.submitted(await this.ideogram.untilSubmitted(job), 'data');
  }

  async genImagePrompt(key: ApiKey, body: GenImagePromptBody, token?: string) {
    const input = compatGenImagePromptInput(body);
    if (token) return { success: true, data: (await this.ideogram.submitAsCaller('generate', input, token)).answer };
    const { job } = await this.ideogram.generate(key, input, {});
    return this.submitted(await this.ideogram.untilSubmitted(job), 'data');
  }

  /** The provider's answer under the original's field; a job that ended before submitting answers its error. */
  private submitted(job: Job, field: 'result' | 'data') {
    const answer = job.result?.providerResponse;
    if (answer === undefined && isTerminal(job.status)) {
      throw new GatewayException(
        job.error?.code ?? 'PROVIDER_ERROR',
        job.error?.message ?? `The job ended ${job.status}`,
        { jobId: job.id },
      );
    }
    // Still waiting for the account (in-flight slot, pacing): the job runs on; its id tells where to look.
    return {
      success: true,
      [field]: answer ?? null,
      jobId: job.id,
      ...(answer === undefined ? { status: job.status } : {}),
    };
  }

  async upload(body: UploadBody, token?: string) {
    const { uploadId } = await this.ideogram.upload(body.imageUrl, token);
    return { success: true, uploadId };
  }

  async caption(body: CaptionBody, token?: string) {
    const { caption } = await this.ideogram.caption(body.uploadId, token);
    return { success: true, caption: caption ?? 'No caption available' };
  }

  async requestMetadata(id: string, token?: string) {
    const { metadata } = await this.ideogram.requestMetadata(id, token);
    return { success: true, metadata };
  }

  async download(responseId: string, quality: string | undefined, token?: string) {
    const wanted = (quality ?? 'PNG').toUpperCase();
    const file = await this.ideogram.download(responseId, wanted, token);
    return { bytes: file.bytes, contentType: wanted === 'PNG' ? 'image/png' : 'image/jpeg' };
  }

  /** The original's `GET /api/u`: the site's gallery answer, verbatim. */
  async gallery(query: GalleryQuery, token?: string) {
    const { gallery } = await this.ideogram.gallery(
      { userId: query.user_id, allPrivacy: query.all_privacy ?? 'true', filters: query.filters ?? 'everything' },
      token,
    );
    return gallery;
  }

  /** The original's `POST /api/d/images`: the site's bytes and Content-Type. */
  bulkDownload(body: BulkDownloadBody, token?: string) {
    return this.ideogram.bulkDownload(
      { imageIds: body.image_ids, coverOnly: body.cover_only ?? false, requestIds: body.request_ids ?? [] },
      token,
    );
  }
}
