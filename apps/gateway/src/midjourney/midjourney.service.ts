import { Injectable } from '@nestjs/common';
import { Subjects, type MidjourneyImagineOptions, type StatusReply } from '@app/contracts';
import type { ApiKey } from '../auth/api-key.js';
import { GatewayException } from '../errors/gateway.exception.js';
import { JobsService } from '../jobs/jobs.service.js';
import { WorkerRpc } from '../workers/worker-rpc.js';

export class MidjourneyGatewayConfig {
  deadlineSeconds: number = 900;
  cdnHosts: string[] = ['cdn.midjourney.com'];
}

export interface ImagineRequest {
  prompt: string;
  imageUrl?: string;
  options?: MidjourneyImagineOptions;
  ideaId?: string;
  webhookUrl?: string;
  timeoutSeconds?: number;
}

export interface VideoRequest {
  imageUrl: string;
  textPrompt?: string;
  motion?: 'low' | 'high';
  mode?: string;
  ar?: string;
  chaos?: number;
  private?: boolean;
  batchSize?: number;
  ideaId?: string;
  webhookUrl?: string;
  timeoutSeconds?: number;
}

@Injectable()
export class MidjourneyService {
  constructor(
    private readonly jobs: JobsService,
    private readonly rpc: WorkerRpc,
    private readonly config: MidjourneyGatewayConfig,
  ) {}

  imagine(key: ApiKey, request: ImagineRequest, idempotencyKey?: string) {
    return this.jobs.create(key, {
      provider: 'midjourney',
      operation: 'imagine',
      input: {
        prompt: request.prompt,
        ...(request.imageUrl ? { imageUrl: request.imageUrl } : {}),
        options: request.options ?? {},
      },
      ideaId: request.ideaId,
      webhookUrl: request.webhookUrl,
      idempotencyKey,
      deadlineSeconds: request.timeoutSeconds ?? this.config.deadlineSeconds,
    });
  }

  video(key: ApiKey, request: VideoRequest, idempotencyKey?: string) {
    const input = {
      imageUrl: request.imageUrl,
      textPrompt: request.textPrompt ?? 'cinematic video, smooth motion',
      chaos: request.chaos ?? 5,
      ar: request.ar ?? '4:3',
      motion: request.motion ?? 'high',
      mode: request.mode ?? 'fast',
      private: request.private ?? false,
      ...(request.batchSize ? { batchSize: request.batchSize } : {}),
    };
    return this.jobs.create(key, {
      provider: 'midjourney',
      operation: 'video',
      input,
      ideaId: request.ideaId,
      webhookUrl: request.webhookUrl,
      idempotencyKey,
      deadlineSeconds: request.timeoutSeconds ?? this.config.deadlineSeconds + 300,
    });
  }

  status(): Promise<StatusReply> {
    return this.rpc.send<StatusReply>(Subjects.rpc.status('midjourney'));
  }

  init(): Promise<StatusReply> {
    return this.rpc.send<StatusReply>(Subjects.rpc.init('midjourney'), {}, 120_000);
  }

  /** CDN hosts only (403 otherwise), streamed from the worker's browser in chunks: any size. */
  proxyImage(url: string): Promise<{ bytes: Buffer; contentType: string }> {
    const target = new URL(url);
    if (!this.config.cdnHosts.includes(target.host) && !this.config.cdnHosts.includes(target.hostname)) {
      throw new GatewayException(
        'FORBIDDEN_HOST',
        `Only the Midjourney CDN (${this.config.cdnHosts.join(', ')}) may be proxied`,
      );
    }
    return this.rpc.file(Subjects.rpc.proxyImage('midjourney'), { url });
  }
}
