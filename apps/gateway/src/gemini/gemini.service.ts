import { Injectable } from '@nestjs/common';
import { GeminiVideoPayload, ProviderException, Subjects, parsePayload, type StatusReply } from '@app/contracts';
import { privateHostReason } from '@app/net';
import type { ApiKey } from '../auth/api-key.js';
import { GatewayException } from '../errors/gateway.exception.js';
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
    this.validate(input);
    await this.assertPublic(request.imageUrl);
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

  private validate(input: Record<string, unknown>): void {
    try {
      parsePayload(GeminiVideoPayload, input);
    } catch (error) {
      if (!(error instanceof ProviderException)) throw error;
      const problems = (error.details?.problems ?? []) as Array<{ field: string; problems: string[] }>;
      const first = problems[0];
      const field = first?.field === 'imageUrl' ? 'image_url' : first?.field;
      throw new GatewayException('INVALID_REQUEST', first ? `${field}: ${first.problems[0]}` : error.message, problems);
    }
  }

  /** The SSRF guard at submission (the worker checks again when it fetches). */
  private async assertPublic(url: string | undefined): Promise<void> {
    if (!url || this.config.allowPrivateUrls) return;
    const reason = await privateHostReason(new URL(url));
    if (reason) {
      throw new GatewayException(
        'FORBIDDEN_HOST',
        `image_url: ${reason}; start images must be on public hosts`,
        [{ field: 'image_url', problems: [reason] }],
        400,
      );
    }
  }

  status(): Promise<StatusReply> {
    return this.rpc.send<StatusReply>(Subjects.rpc.status('gemini'));
  }

  /** Re-checks the account now (after an operator signed the profile in again). */
  init(): Promise<StatusReply> {
    return this.rpc.send<StatusReply>(Subjects.rpc.init('gemini'), {}, 120_000);
  }
}
