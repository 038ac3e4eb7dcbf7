import { Injectable } from '@nestjs/common';
import type { ApiKey } from '../auth/api-key.js';
import type { DescribeDto, GenerateDto, RemixDto, RemoveBackgroundDto, UpscaleDto } from './dto/ideogram.dto.js';
import { generateInput, remixInput, upscaleInput } from './ideogram-mapping.js';
import { IdeogramService, type JobTarget } from './ideogram.service.js';

const targetOf = (
  dto: { idea_id?: string; webhook_url?: string; webhook_events?: string[]; timeout_seconds?: number },
  idempotencyKey?: string,
): JobTarget => ({
  ideaId: dto.idea_id,
  webhookUrl: dto.webhook_url,
  webhookEvents: dto.webhook_events,
  timeoutSeconds: dto.timeout_seconds,
  idempotencyKey,
});

/** The /v1/ideogram routes: request DTO → job payload (earlier jobs resolved to provider ids) → durable job. */
@Injectable()
export class IdeogramJobsService {
  constructor(private readonly ideogram: IdeogramService) {}

  remix(key: ApiKey, dto: RemixDto, idempotencyKey?: string) {
    return this.ideogram.remix(key, remixInput(dto), targetOf(dto, idempotencyKey));
  }

  generate(key: ApiKey, dto: GenerateDto, idempotencyKey?: string) {
    return this.ideogram.generate(key, generateInput(dto), targetOf(dto, idempotencyKey));
  }

  async upscale(key: ApiKey, dto: UpscaleDto, idempotencyKey?: string) {
    const source = dto.job_id
      ? await this.ideogram.imageOf(key, dto.job_id, dto.index ?? 0)
      : { requestId: dto.request_id!, responseId: dto.response_id! };
    return this.ideogram.upscale(key, upscaleInput(dto, source), targetOf(dto, idempotencyKey));
  }

  async removeBackground(key: ApiKey, dto: RemoveBackgroundDto, idempotencyKey?: string) {
    const assetId = dto.job_id
      ? (await this.ideogram.imageOf(key, dto.job_id, dto.index ?? 0)).responseId
      : dto.asset_id!;
    return this.ideogram.removeBackground(
      key,
      { assetType: dto.job_id ? 'RESPONSE' : (dto.asset_type ?? 'RESPONSE'), assetId },
      targetOf(dto, idempotencyKey),
    );
  }

  describe(key: ApiKey, dto: DescribeDto, idempotencyKey?: string) {
    return this.ideogram.describe(
      key,
      { imageUrl: dto.image_url, uploadId: dto.upload_id },
      targetOf(dto, idempotencyKey),
    );
  }
}
