import { Injectable } from '@nestjs/common';
import {
  IDEOGRAM_COMMANDS,
  Subjects,
  isTerminal,
  type IdeogramCallerOperation,
  type IdeogramCaptionReply,
  type IdeogramGalleryReply,
  type IdeogramGeneratePayload,
  type IdeogramMetadataReply,
  type IdeogramRemixPayload,
  type IdeogramRemoveBackgroundPayload,
  type IdeogramSubmitAsCallerReply,
  type IdeogramUploadReply,
  type IdeogramUpscalePayload,
  type Job,
  type StatusReply,
} from '@app/contracts';
import type { ApiKey } from '../auth/api-key.js';
import { GatewayException } from '../errors/gateway.exception.js';
import { JobWaiter } from '../jobs/job-waiter.js';
import { JobsService } from '../jobs/jobs.service.js';
import { WorkerRpc } from '../workers/worker-rpc.js';

export class IdeogramGatewayConfig {
  deadlineSeconds: number = 600;
  /** How long the submit-only original routes wait for the worker to report the provider's answer. */
  submitWaitSeconds: number = 60;
  /** Bound of the quick commands (upload includes fetching the caller's image). */
  rpcTimeoutMs: number = 60_000;
}

/** Past the worker's own bound of a submission on a caller's token (90 s): a timeout here means no worker answered. */
const CALLER_SUBMIT_WAIT_MS = 120_000;

/** Where a job is delivered and how long it may run; every create takes these. */
export interface JobTarget {
  ideaId?: string;
  webhookUrl?: string;
  webhookEvents?: string[];
  timeoutSeconds?: number;
  idempotencyKey?: string;
}

type Payload<T> = Partial<Omit<T, 'resolution'>> & { resolution?: { width: number; height: number } };

/** Drops undefined fields: the stored input (and the Idempotency-Key hash) shows only what was asked. */
function defined<T extends object>(value: T): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}

/** The Ideogram provider as durable jobs (remix, generate, upscale, remove-background, describe) and quick commands. */
@Injectable()
export class IdeogramService {
  constructor(
    private readonly jobs: JobsService,
    private readonly waiter: JobWaiter,
    private readonly rpc: WorkerRpc,
    private readonly config: IdeogramGatewayConfig,
  ) {}

  private create(key: ApiKey, operation: string, input: Record<string, unknown>, target: JobTarget) {
    return this.jobs.create(key, {
      provider: 'ideogram',
      operation,
      input,
      ideaId: target.ideaId,
      webhookUrl: target.webhookUrl,
      webhookEvents: target.webhookEvents,
      idempotencyKey: target.idempotencyKey,
      deadlineSeconds: target.timeoutSeconds ?? this.config.deadlineSeconds,
    });
  }

  remix(key: ApiKey, input: Payload<IdeogramRemixPayload>, target: JobTarget) {
    return this.create(key, 'remix', defined(input), target);
  }

  generate(key: ApiKey, input: Payload<IdeogramGeneratePayload>, target: JobTarget) {
    return this.create(key, 'generate', defined(input), target);
  }

  upscale(key: ApiKey, input: Payload<IdeogramUpscalePayload>, target: JobTarget) {
    return this.create(key, 'upscale', defined(input), target);
  }

  removeBackground(key: ApiKey, input: Partial<IdeogramRemoveBackgroundPayload>, target: JobTarget) {
    return this.create(key, 'remove-background', defined(input), target);
  }

  describe(key: ApiKey, input: { imageUrl?: string; uploadId?: string }, target: JobTarget) {
    return this.create(key, 'describe', defined(input), target);
  }

  /**
   * One image of an earlier Ideogram job as the provider knows it: request and response id, the prompt it was made
   * from and its size (upscale and background removal take them).
   */
  async imageOf(key: ApiKey, jobId: string, index = 0) {
    const job = await this.jobs.get(key, jobId);
    if (job.provider !== 'ideogram') throw new GatewayException('NOT_FOUND', `No Ideogram job ${jobId}`);
    const result = job.result;
    const responseIds = Array.isArray(result?.responseIds) ? (result.responseIds as string[]) : [];
    const image = result?.images.find((i) => i.index === index);
    const responseId =
      responseIds[index] ?? (image?.sourceUrl ? /\/response\/([^/?]+)\/image/.exec(image.sourceUrl)?.[1] : undefined);
    if (!result?.providerJobId || !responseId) {
      throw new GatewayException(
        'INVALID_REQUEST',
        `Job ${jobId} has no image ${index} (status ${job.status}); upscale or edit a completed job's image`,
      );
    }
    return {
      requestId: result.providerJobId,
      responseId,
      prompt: typeof result.prompt === 'string' ? result.prompt : undefined,
      size: image?.width && image.height ? { width: image.width, height: image.height } : undefined,
    };
  }

  /** Resolves once the worker reported the provider's submit answer, the job ended, or the wait passed. */
  async untilSubmitted(job: Job, waitSeconds = this.config.submitWaitSeconds): Promise<Job> {
    const submitted = (j: Job) => isTerminal(j.status) || j.result?.providerResponse !== undefined;
    return (await this.waiter.until(job, submitted, waitSeconds)).job;
  }

  status(): Promise<StatusReply> {
    return this.rpc.send<StatusReply>(Subjects.rpc.status('ideogram'));
  }

  upload(imageUrl: string, token?: string): Promise<IdeogramUploadReply> {
    return this.rpc.send(
      Subjects.rpc.command('ideogram', IDEOGRAM_COMMANDS.upload),
      { imageUrl, ...(token ? { token } : {}) },
      this.config.rpcTimeoutMs,
    );
  }

  caption(uploadId: string, token?: string): Promise<IdeogramCaptionReply> {
    return this.rpc.send(
      Subjects.rpc.command('ideogram', IDEOGRAM_COMMANDS.caption),
      { uploadId, ...(token ? { token } : {}) },
      this.config.rpcTimeoutMs,
    );
  }

  requestMetadata(requestId: string, token?: string): Promise<IdeogramMetadataReply> {
    return this.rpc.send(
      Subjects.rpc.command('ideogram', IDEOGRAM_COMMANDS.requestMetadata),
      { requestId, ...(token ? { token } : {}) },
      this.config.rpcTimeoutMs,
    );
  }

  download(responseId: string, quality: string, token?: string): Promise<{ bytes: Buffer; contentType: string }> {
    return this.rpc.file(Subjects.rpc.command('ideogram', IDEOGRAM_COMMANDS.download), {
      responseId,
      quality,
      ...(token ? { token } : {}),
    });
  }

  /** Upscale, background removal or generate on the caller's own token: the site's answer, no job (see contracts). */
  submitAsCaller(
    operation: IdeogramCallerOperation,
    input: object,
    token: string,
  ): Promise<IdeogramSubmitAsCallerReply> {
    return this.rpc.send(
      Subjects.rpc.command('ideogram', IDEOGRAM_COMMANDS.submitAsCaller),
      { operation, input: defined(input), token },
      CALLER_SUBMIT_WAIT_MS,
    );
  }

  gallery(
    query: { userId: string; allPrivacy: string; filters: string },
    token?: string,
  ): Promise<IdeogramGalleryReply> {
    return this.rpc.send(
      Subjects.rpc.command('ideogram', IDEOGRAM_COMMANDS.gallery),
      { ...query, ...(token ? { token } : {}) },
      this.config.rpcTimeoutMs,
    );
  }

  bulkDownload(
    request: { imageIds: string[]; coverOnly: boolean; requestIds: string[] },
    token?: string,
  ): Promise<{ bytes: Buffer; contentType: string }> {
    return this.rpc.file(Subjects.rpc.command('ideogram', IDEOGRAM_COMMANDS.bulkDownload), {
      ...request,
      ...(token ? { token } : {}),
    });
  }
}
