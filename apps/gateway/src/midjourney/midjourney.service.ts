import { Injectable } from '@nestjs/common';
import {
  Subjects,
  isTerminal,
  actionString,
  MJ_MAX_IMAGE_PROMPTS,
  type MidjourneyStoredImage,
  allowedActions,
  type Job,
  type MidjourneyAction,
  type MidjourneyImagineOptions,
  type StatusReply,
} from '@app/contracts';
import { ObjectStorage } from '@app/storage';
import type { ApiKey } from '../auth/api-key.js';
import { GatewayException } from '../errors/gateway.exception.js';
import { assertPublicUrls } from '../errors/submission-checks.js';
import { decodeImage, storeImage } from '../files/image-upload.js';
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
  /** MIDJOURNEY_UPLOAD_BUCKET: where images sent in request bodies (base64) are kept for the worker. */
  uploadBucket: string = 'midjourney-uploads';
  /** MIDJOURNEY_MAX_UPLOAD_MB: the largest image a request body may carry, bytes. */
  maxUploadBytes: number = 20 * 1024 * 1024;
}

/** An image sent in a request body (bare base64 or a base64 data: URL) and the field it came in, for refusals. */
export interface BodyImage {
  field: string;
  data: string;
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
  /** Image prompts sent in the body, after imageUrl. */
  images?: BodyImage[];
  /** The account to run on (a /mj/* accountFilter.instanceId, checked against the pool by the caller). */
  account?: string;
  options?: MidjourneyImagineOptions;
  ideaId?: string;
  webhookUrl?: string;
  webhookEvents?: string[];
  timeoutSeconds?: number;
  proxy?: Record<string, unknown>;
}

export interface VideoRequest {
  /** The start frame: imageUrl or image (exactly one). */
  imageUrl?: string;
  image?: BodyImage;
  /** The end frame (`--end`): endImageUrl or endImage; or loop. */
  endImageUrl?: string;
  endImage?: BodyImage;
  loop?: boolean;
  account?: string;
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
    private readonly storage: ObjectStorage,
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
    const images = request.images ?? [];
    if (images.length + (request.imageUrl ? 1 : 0) > MJ_MAX_IMAGE_PROMPTS) {
      throw invalid('images', `at most ${MJ_MAX_IMAGE_PROMPTS} image prompts`);
    }
    const decoded = this.decode(images);
    await this.assertPublic([
      ['image_url', request.imageUrl],
      ['options.omni_ref', o.omni_ref],
      ...(o.style_refs ?? []).map(
        (ref, i) => [`options.style_refs[${i}]`, /^https?:/i.test(ref) ? ref : undefined] as const,
      ),
    ]);
    const uploads = await this.store(decoded);
    return this.jobs.create(key, {
      provider: 'midjourney',
      operation: 'imagine',
      input: {
        prompt: request.prompt,
        ...(request.imageUrl ? { imageUrl: request.imageUrl } : {}),
        ...(uploads.length ? { uploads } : {}),
        options: request.options ?? {},
        ...(request.account ? { account: request.account } : {}),
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
    if (!!request.imageUrl === !!request.image) throw invalid('image_url', 'give exactly one start image');
    if ((request.endImageUrl || request.endImage) && request.loop) {
      throw invalid('loop', 'an end image and loop exclude each other');
    }
    const [start, end] = this.decode([request.image, request.endImage]);
    await this.assertPublic([
      ['image_url', request.imageUrl],
      ['end_image_url', request.endImageUrl],
    ]);
    const [upload, endUpload] = await this.store([start, end]);
    const input = {
      ...(request.imageUrl ? { imageUrl: request.imageUrl } : { upload }),
      ...(request.endImageUrl ? { endImageUrl: request.endImageUrl } : endUpload ? { endUpload } : {}),
      ...(request.loop ? { loop: true } : {}),
      textPrompt: request.textPrompt ?? 'cinematic video, smooth motion',
      chaos: request.chaos ?? 5,
      ar: request.ar ?? '4:3',
      motion: request.motion ?? 'high',
      mode: request.mode ?? 'fast',
      private: request.private ?? false,
      ...(request.batchSize ? { batchSize: request.batchSize } : {}),
      ...(request.account ? { account: request.account } : {}),
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
      /** The image: imageUrl or image (exactly one). */
      imageUrl?: string;
      image?: BodyImage;
      account?: string;
      webhookUrl?: string;
      webhookEvents?: string[];
      timeoutSeconds?: number;
      proxy?: Record<string, unknown>;
    },
    idempotencyKey?: string,
  ) {
    if (!!request.imageUrl === !!request.image) throw invalid('image_url', 'give exactly one image');
    const decoded = this.decode([request.image]);
    await this.assertPublic([['image_url', request.imageUrl]]);
    const [upload] = await this.store(decoded);
    return this.jobs.create(key, {
      provider: 'midjourney',
      operation: 'describe',
      input: {
        ...(request.imageUrl ? { imageUrl: request.imageUrl } : { upload }),
        ...(request.account ? { account: request.account } : {}),
        ...proxyMeta(request.proxy),
      },
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
      /** Images sent in the body; with imageUrls, 2–5 in all (URLs first). */
      images?: BodyImage[];
      account?: string;
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
    const images = request.images ?? [];
    const count = request.imageUrls.length + images.length;
    if (count < 2 || count > MJ_MAX_IMAGE_PROMPTS) {
      throw invalid('image_urls', `a blend takes 2–${MJ_MAX_IMAGE_PROMPTS} images`);
    }
    const decoded = this.decode(images);
    await this.assertPublic(request.imageUrls.map((url, i) => [`image_urls[${i}]`, url] as const));
    const uploads = await this.store(decoded);
    return this.jobs.create(key, {
      provider: 'midjourney',
      operation: 'blend',
      input: {
        imageUrls: request.imageUrls,
        ...(uploads.length ? { uploads } : {}),
        dimensions: request.dimensions ?? 'square',
        ...(request.mode ? { mode: request.mode } : {}),
        private: request.private ?? false,
        ...(request.account ? { account: request.account } : {}),
        ...proxyMeta(request.proxy),
      },
      webhookUrl: request.webhookUrl,
      webhookEvents: request.webhookEvents,
      idempotencyKey,
      deadlineSeconds: request.timeoutSeconds ?? this.config.deadlineSeconds,
    });
  }

  /** Every body image decoded and checked before anything is stored (undefined entries stay undefined). */
  private decode<T extends BodyImage | undefined>(images: T[]) {
    return images.map((image) =>
      image ? decodeImage(image.data, undefined, this.config.maxUploadBytes, image.field) : undefined,
    );
  }

  /** Stores decoded images for the worker (content-addressed); undefined entries stay undefined. */
  private async store<T extends ReturnType<typeof decodeImage> | undefined>(
    images: T[],
  ): Promise<Array<T extends undefined ? undefined : MidjourneyStoredImage>> {
    const stored: Array<MidjourneyStoredImage | undefined> = [];
    for (const image of images) {
      stored.push(image ? await storeImage(this.storage, this.config.uploadBucket, image) : undefined);
    }
    return stored as Array<T extends undefined ? undefined : MidjourneyStoredImage>;
  }

  /** This key's Midjourney job, or 404 (another key's job is as unknown as a missing one). */
  private async parentOf(key: ApiKey, id: string): Promise<Job> {
    const job = await this.jobs.find(id);
    if (!job || job.provider !== 'midjourney' || job.apiKeyId !== key.id) {
      throw new GatewayException('NOT_FOUND', `No Midjourney job ${id}`);
    }
    return job;
  }

  /** Reference URLs must be public unless MIDJOURNEY_ALLOW_PRIVATE_URLS; decided before anything is stored. */
  private async assertPublic(urls: ReadonlyArray<readonly [string, string | undefined]>): Promise<void> {
    if (!this.config.allowPrivateUrls) await assertPublicUrls(urls, 'reference images');
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
