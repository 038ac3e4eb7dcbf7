import { Injectable } from '@nestjs/common';
import {
  Subjects,
  isTerminal,
  actionString,
  allowedActions,
  type Job,
  type MidjourneyAction,
  type MidjourneyImagineOptions,
  type StatusReply,
} from '@app/contracts';
import { privateHostReason } from '@app/net';
import type { ApiKey } from '../auth/api-key.js';
import { GatewayException } from '../errors/gateway.exception.js';
import { JobWaiter } from '../jobs/job-waiter.js';
import { JobsService } from '../jobs/jobs.service.js';
import { WorkerRpc } from '../workers/worker-rpc.js';

export class MidjourneyGatewayConfig {
  deadlineSeconds: number = 900;
  cdnHosts: string[] = ['cdn.midjourney.com'];
  /** MIDJOURNEY_ALLOW_PRIVATE_URLS: reference images on loopback/private hosts (sandbox and tests only). */
  allowPrivateUrls: boolean = false;
  /** How long the original routes wait for Midjourney to accept a job before answering. */
  compatSubmitWaitSeconds: number = 60;
}

export interface ActionRequest {
  jobId: string;
  action: MidjourneyAction;
  index?: number;
  type?: 'subtle' | 'creative';
  strength?: 'subtle' | 'strong';
  prompt?: string;
  direction?: 'up' | 'down' | 'left' | 'right';
  factor?: number;
  motion?: 'low' | 'high';
  resolution?: 480 | 720;
  batchSize?: number;
  endImageUrl?: string;
  loop?: boolean;
  mode?: string;
  private?: boolean;
  webhookUrl?: string;
  webhookEvents?: string[];
  timeoutSeconds?: number;
  /** What a /mj/* request keeps with the job (its state, notifyHook, proxy action name): `input.mjproxy`. */
  proxy?: Record<string, unknown>;
}

/** The request fields each action takes (anything else is refused: a misplaced field is a client's mistake). */
const ACTION_FIELDS: Record<MidjourneyAction, ReadonlyArray<keyof ActionRequest>> = {
  upscale: ['index', 'type'],
  vary: ['index', 'strength', 'prompt'],
  reroll: ['prompt'],
  pan: ['index', 'direction', 'prompt'],
  zoom: ['index', 'factor'],
  animate: ['index', 'motion', 'resolution', 'batchSize', 'endImageUrl', 'loop', 'prompt'],
  extend: ['index', 'motion', 'prompt'],
};
const SNAKE: Partial<Record<keyof ActionRequest, string>> = { batchSize: 'batch_size', endImageUrl: 'end_image_url' };
const COMMON_FIELDS = new Set<keyof ActionRequest>([
  'jobId',
  'action',
  'mode',
  'private',
  'webhookUrl',
  'webhookEvents',
  'timeoutSeconds',
  'proxy',
]);

export interface ImagineRequest {
  prompt: string;
  imageUrl?: string;
  options?: MidjourneyImagineOptions;
  ideaId?: string;
  webhookUrl?: string;
  webhookEvents?: string[];
  timeoutSeconds?: number;
  proxy?: Record<string, unknown>;
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
  webhookEvents?: string[];
  timeoutSeconds?: number;
  proxy?: Record<string, unknown>;
}

const proxyMeta = (proxy?: Record<string, unknown>) => (proxy ? { mjproxy: proxy } : {});

@Injectable()
export class MidjourneyService {
  constructor(
    private readonly jobs: JobsService,
    private readonly rpc: WorkerRpc,
    private readonly config: MidjourneyGatewayConfig,
    private readonly waiter: JobWaiter,
  ) {}

  /** Resolves once the worker reported Midjourney's submit answer, the job ended, or the wait passed. */
  async untilSubmitted(job: Job, waitSeconds = this.config.compatSubmitWaitSeconds): Promise<Job> {
    const submitted = (j: Job) => isTerminal(j.status) || j.result?.providerResponse !== undefined;
    return (await this.waiter.until(job, submitted, waitSeconds)).job;
  }

  async imagine(key: ApiKey, request: ImagineRequest, idempotencyKey?: string) {
    const o = request.options ?? {};
    if (o.omni_ref && o.niji !== undefined && o.niji !== false) {
      throw invalid('options.omni_ref', 'omni_ref (--oref) does not work with niji models');
    }
    if (o.omni_ref && o.version !== undefined && o.version !== '7') {
      throw invalid('options.omni_ref', 'omni_ref (--oref) needs version 7');
    }
    await this.assertPublic([
      ['image_url', request.imageUrl],
      ['options.omni_ref', o.omni_ref],
      ...(o.style_refs ?? []).map(
        (ref, i) => [`options.style_refs[${i}]`, /^https?:/i.test(ref) ? ref : undefined] as const,
      ),
    ]);
    return this.jobs.create(key, {
      provider: 'midjourney',
      operation: 'imagine',
      input: {
        prompt: request.prompt,
        ...(request.imageUrl ? { imageUrl: request.imageUrl } : {}),
        options: request.options ?? {},
        ...proxyMeta(request.proxy),
      },
      ideaId: request.ideaId,
      webhookUrl: request.webhookUrl,
      webhookEvents: request.webhookEvents,
      idempotencyKey,
      deadlineSeconds: request.timeoutSeconds ?? this.config.deadlineSeconds,
    });
  }

  async video(key: ApiKey, request: VideoRequest, idempotencyKey?: string) {
    await this.assertPublic([['image_url', request.imageUrl]]);
    const input = {
      imageUrl: request.imageUrl,
      textPrompt: request.textPrompt ?? 'cinematic video, smooth motion',
      chaos: request.chaos ?? 5,
      ar: request.ar ?? '4:3',
      motion: request.motion ?? 'high',
      mode: request.mode ?? 'fast',
      private: request.private ?? false,
      ...(request.batchSize ? { batchSize: request.batchSize } : {}),
      ...proxyMeta(request.proxy),
    };
    return this.jobs.create(key, {
      provider: 'midjourney',
      operation: 'video',
      input,
      ideaId: request.ideaId,
      webhookUrl: request.webhookUrl,
      webhookEvents: request.webhookEvents,
      idempotencyKey,
      deadlineSeconds: request.timeoutSeconds ?? this.config.deadlineSeconds + 300,
    });
  }

  /**
   * A follow-up of a completed job (upscale, vary, reroll, pan, animate, extend) as a job of its own, pinned to the
   * account that made the parent (Midjourney jobs belong to an account). Decided before anything is stored: zoom
   * 422 NOT_SUPPORTED, an unknown or foreign parent 404, a parent not completed 409 PARENT_NOT_READY, an action the
   * parent does not list 422 ACTION_NOT_ALLOWED.
   */
  async action(key: ApiKey, request: ActionRequest, idempotencyKey?: string) {
    const allowed = new Set<keyof ActionRequest>([...COMMON_FIELDS, ...ACTION_FIELDS[request.action]]);
    const misplaced = (Object.keys(request) as Array<keyof ActionRequest>).filter(
      (field) => request[field] !== undefined && !allowed.has(field),
    );
    if (misplaced.length) {
      const names = misplaced.map((f) => SNAKE[f] ?? f);
      throw invalid(names[0], `${names.join(', ')} ${names.length > 1 ? 'do' : 'does'} not apply to ${request.action}`);
    }
    if (request.action === 'zoom') {
      throw new GatewayException(
        'NOT_SUPPORTED',
        'zoom is not supported: its midjourney.com request body is not established (PROVIDERS.md §2.2)',
      );
    }
    if (request.action !== 'reroll' && request.index === undefined) {
      throw invalid('index', `${request.action} needs index (1–4)`);
    }
    if (request.action === 'pan' && !request.direction) throw invalid('direction', 'pan needs direction');
    if (request.endImageUrl && request.loop) throw invalid('loop', 'end_image_url and loop exclude each other');
    await this.assertPublic([['end_image_url', request.endImageUrl]]);

    const parent = await this.parentOf(key, request.jobId);
    if (parent.status !== 'completed') {
      throw new GatewayException('PARENT_NOT_READY', `Job ${parent.id} is ${parent.status}, not completed`, {
        status: parent.status,
      });
    }
    const result = parent.result ?? { images: [] };
    const actions = Array.isArray(result.actions)
      ? (result.actions as string[])
      : allowedActions({
          operation: parent.operation,
          images: result.images.length,
          videos: result.videos?.length ?? 0,
        });
    const wanted = actionString(request.action, request.index, request.direction);
    if (!actions.includes(wanted) || typeof result.providerJobId !== 'string') {
      throw new GatewayException(
        'ACTION_NOT_ALLOWED',
        `A ${parent.operation} job cannot take ${wanted}; it allows: ${actions.join(', ') || 'nothing'}`,
        { allowed: actions },
      );
    }
    const parentInput = parent.input as {
      mode?: string;
      options?: { mode?: string };
      motion?: string;
      resolution?: number;
    };
    const video = ['animate', 'extend'].includes(request.action);
    const input = {
      action: request.action,
      parentJobId: parent.id,
      parentProviderJobId: result.providerJobId,
      ...(typeof result.submittedPrompt === 'string' ? { parentPrompt: result.submittedPrompt } : {}),
      ...pick(request, ['index', 'type', 'strength', 'prompt', 'direction', 'batchSize', 'endImageUrl', 'loop']),
      // An extend keeps its video's motion and resolution unless told otherwise.
      ...(video ? { motion: request.motion ?? parentInput.motion ?? 'high' } : {}),
      ...(request.action === 'animate' ? { resolution: request.resolution ?? 480 } : {}),
      ...(request.action === 'extend' ? { resolution: parentInput.resolution ?? 480 } : {}),
      mode: request.mode ?? parentInput.options?.mode ?? parentInput.mode ?? (video ? 'fast' : 'relaxed'),
      private: request.private ?? false,
      ...(typeof result.account === 'string' ? { account: result.account } : {}),
      ...proxyMeta(request.proxy),
    };
    return this.jobs.create(key, {
      provider: 'midjourney',
      operation: request.action,
      input,
      webhookUrl: request.webhookUrl,
      webhookEvents: request.webhookEvents,
      idempotencyKey,
      deadlineSeconds: request.timeoutSeconds ?? this.config.deadlineSeconds + (video ? 300 : 0),
    });
  }

  /** Four prompts Midjourney would write for an image (`result.descriptions`). */
  async describe(
    key: ApiKey,
    request: {
      imageUrl: string;
      webhookUrl?: string;
      webhookEvents?: string[];
      timeoutSeconds?: number;
      proxy?: Record<string, unknown>;
    },
    idempotencyKey?: string,
  ) {
    await this.assertPublic([['image_url', request.imageUrl]]);
    return this.jobs.create(key, {
      provider: 'midjourney',
      operation: 'describe',
      input: { imageUrl: request.imageUrl, ...proxyMeta(request.proxy) },
      webhookUrl: request.webhookUrl,
      webhookEvents: request.webhookEvents,
      idempotencyKey,
      deadlineSeconds: request.timeoutSeconds ?? this.config.deadlineSeconds,
    });
  }

  /** An imagine of 2–5 uploaded images at the dimensions' aspect ratio. */
  async blend(
    key: ApiKey,
    request: {
      imageUrls: string[];
      dimensions?: string;
      mode?: string;
      private?: boolean;
      webhookUrl?: string;
      webhookEvents?: string[];
      timeoutSeconds?: number;
      proxy?: Record<string, unknown>;
    },
    idempotencyKey?: string,
  ) {
    await this.assertPublic(request.imageUrls.map((url, i) => [`image_urls[${i}]`, url] as const));
    return this.jobs.create(key, {
      provider: 'midjourney',
      operation: 'blend',
      input: {
        imageUrls: request.imageUrls,
        dimensions: request.dimensions ?? 'square',
        ...(request.mode ? { mode: request.mode } : {}),
        private: request.private ?? false,
        ...proxyMeta(request.proxy),
      },
      webhookUrl: request.webhookUrl,
      webhookEvents: request.webhookEvents,
      idempotencyKey,
      deadlineSeconds: request.timeoutSeconds ?? this.config.deadlineSeconds,
    });
  }

  /** This key's Midjourney job, or 404 (another key's job is as unknown as a missing one). */
  private async parentOf(key: ApiKey, id: string): Promise<Job> {
    const job = await this.jobs.find(id);
    if (!job || job.provider !== 'midjourney' || job.apiKeyId !== key.id) {
      throw new GatewayException('NOT_FOUND', `No Midjourney job ${id}`);
    }
    return job;
  }

  /**
   * The SSRF guard at submission (the worker checks again when it fetches): reference URLs must be public unless
   * MIDJOURNEY_ALLOW_PRIVATE_URLS. Decided before anything is stored.
   */
  private async assertPublic(urls: ReadonlyArray<readonly [string, string | undefined]>): Promise<void> {
    if (this.config.allowPrivateUrls) return;
    for (const [field, url] of urls) {
      if (!url) continue;
      const reason = await privateHostReason(new URL(url));
      if (reason) {
        throw new GatewayException(
          'FORBIDDEN_HOST',
          `${field}: ${reason}; reference images must be on public hosts`,
          [{ field, problems: [reason] }],
          400,
        );
      }
    }
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

function invalid(field: string, problem: string): GatewayException {
  return new GatewayException('INVALID_REQUEST', `${field}: ${problem}`, [{ field, problems: [problem] }]);
}

function pick<T extends object, K extends keyof T>(source: T, keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const key of keys) if (source[key] !== undefined) out[key] = source[key];
  return out;
}
