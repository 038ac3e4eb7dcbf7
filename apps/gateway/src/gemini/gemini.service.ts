import { Injectable } from '@nestjs/common';
import { GeminiVideoPayload, Subjects, type StatusReply } from '@app/contracts';
import type { ApiKey } from '../auth/api-key.js';
import { assertJobInput, assertPublicUrls } from '../errors/submission-checks.js';
import { JobsService } from '../jobs/jobs.service.js';
import { WorkerRpc } from '../workers/worker-rpc.js';

export class GeminiGatewayConfig {
  /** Hard deadline of a video job (the original waited up to 10 minutes for the video, after a sign-in). */
  deadlineSeconds: number = 900;
  /** GEMINI_ALLOW_PRIVATE_URLS: start images on loopback/private hosts (sandbox and tests only). */
  allowPrivateUrls: boolean = false;
}

export interface VideoRequest {
  prompt: string;
  imageUrl?: string;
  webhookUrl?: string;
  webhookEvents?: string[];
  timeoutSeconds?: number;
}

/** Veo videos through the Gemini worker, as durable jobs. */
@Injectable()
export class GeminiService {
  constructor(
    private readonly jobs: JobsService,
    private readonly rpc: WorkerRpc,
    private readonly config: GeminiGatewayConfig,
  ) {}

  /** A video job: validated as the worker will validate it, the start image's host checked, before anything is stored. */
  async video(key: ApiKey, request: VideoRequest, idempotencyKey?: string) {
    const input: Record<string, unknown> = {
      prompt: request.prompt,
      ...(request.imageUrl ? { imageUrl: request.imageUrl } : {}),
    };
    assertJobInput(GeminiVideoPayload, input, { imageUrl: 'image_url' });
    if (!this.config.allowPrivateUrls) await assertPublicUrls([['image_url', request.imageUrl]], 'start images');
    return this.jobs.create(key, {
      provider: 'gemini',
      operation: 'video',
      input,
      webhookUrl: request.webhookUrl,
      webhookEvents: request.webhookEvents,
      idempotencyKey,
      deadlineSeconds: request.timeoutSeconds ?? this.config.deadlineSeconds,
    });
  }

  status(): Promise<StatusReply> {
    return this.rpc.send<StatusReply>(Subjects.rpc.status('gemini'));
  }

  /** Re-checks the account now (after an operator signed the profile in again). */
  init(): Promise<StatusReply> {
    return this.rpc.send<StatusReply>(Subjects.rpc.init('gemini'), {}, 120_000);
  }
}
