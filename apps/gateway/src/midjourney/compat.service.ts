import { Injectable } from '@nestjs/common';
import { isTerminal, type AccountState, type Job, type MidjourneyImagineOptions } from '@app/contracts';
import type { ApiKey } from '../auth/api-key.js';
import { AccountsService } from '../accounts/accounts.service.js';
import { GatewayException } from '../errors/gateway.exception.js';
import { LegacyStats } from './legacy-stats.js';
import { MidjourneyService, type VideoRequest } from './midjourney.service.js';

/** The original's service status: running while the account works, error when it does not, stopped without a worker. */
export function legacyStatus(state: AccountState | undefined): 'running' | 'error' | 'stopped' {
  if (state === undefined) return 'stopped';
  return state === 'ready' || state === 'cooling_down' ? 'running' : 'error';
}

/** The original service's routes, as its `GET /` listed them. */
export const ORIGINAL_ENDPOINTS = {
  'GET /': 'This index',
  'GET /health': 'Service status and request counters',
  'POST /midjourney/init': 'Re-check the Midjourney account',
  'POST /midjourney/genimage': 'Imagine (JSON body: prompt, url_image, options, design_id)',
  'GET /midjourney/genimage': 'Imagine (options in the query)',
  'POST /midjourney/genvideo': 'Image to video (JSON body: image_url, text_prompt, options)',
  'GET /midjourney/genvideo': 'Image to video (options in the query)',
  'GET /midjourney/status': 'Account status',
  'GET /midjourney/proxy-image': 'An image of cdn.midjourney.com (query url)',
} as const;

interface SubmitAnswer {
  success?: Array<{ job_id?: string; meta?: { batch_size?: number } }>;
  failure?: unknown[];
}

/** Translates the original routes onto durable jobs and back into the original answer shapes. */
@Injectable()
export class CompatService {
  constructor(
    private readonly midjourney: MidjourneyService,
    private readonly stats: LegacyStats,
    private readonly accounts: AccountsService,
  ) {}

  async health(detailed = false) {
    const status = await this.midjourney.status().then(
      (s) => legacyStatus(s.account.state),
      () => 'stopped' as const,
    );
    return this.stats.snapshot(status, detailed);
  }

  /** The original's `GET /`: name, version, routes, and the same status and uptime as /health. */
  async index() {
    const { status, uptime } = await this.health();
    return { message: 'Midjourney API Server', version: '1.0.0', endpoints: ORIGINAL_ENDPOINTS, status, uptime };
  }

  async init() {
    const status = await this.midjourney.init();
    if (!status.account.signedIn) {
      throw new GatewayException(
        status.account.state === 'challenge' ? 'CHALLENGE' : 'SIGNED_OUT',
        `Midjourney account is ${status.account.state}`,
      );
    }
    return {
      success: true,
      message: 'Midjourney client initialized',
      status: legacyStatus(status.account.state),
      accountState: status.account.state,
    };
  }

  /**
   * Answers as the original did once Midjourney accepted the job (waiting up to MIDJOURNEY_COMPAT_SUBMIT_WAIT_SECONDS):
   * `jobId` is Midjourney's own job id (CDN paths use it) and `data` its submit answer; `gatewayJobId` names the
   * durable job. A job still waiting for the account answers with the gateway's id and its status. A replay of the
   * same Idempotency-Key answers with the job the first request created (n8n retries).
   */
  async genImage(
    key: ApiKey,
    request: { prompt: string; imageUrl?: string; options: MidjourneyImagineOptions; ideaId?: string },
    idempotencyKey?: string,
  ) {
    const { job: created } = await this.midjourney.imagine(key, request, idempotencyKey);
    const job = await this.midjourney.untilSubmitted(created);
    const answer = this.submitAnswer(job);
    const batch = Number(answer?.success?.[0]?.meta?.batch_size) || Number(job.result?.expectedCount) || 4;
    return {
      success: true,
      message: answer ? 'Image generation started' : 'Image generation queued',
      data: answer ?? null,
      jobId: this.providerJobId(job) ?? job.id,
      gatewayJobId: job.id,
      batchSize: Math.min(4, batch),
      status: answer ? 'processing' : job.status,
      retryCount: 0,
      mode: request.ideaId ? 'database' : 'standalone',
      timestamp: new Date().toISOString(),
    };
  }

  /** As genImage; `imageUrl` is Midjourney's short URL of the upload and `prompt` the video prompt built on it. */
  async genVideo(key: ApiKey, request: VideoRequest, idempotencyKey?: string) {
    const { job: created } = await this.midjourney.video(key, request, idempotencyKey);
    const job = await this.midjourney.untilSubmitted(created);
    const answer = this.submitAnswer(job);
    const input = job.input as { textPrompt: string; motion: string };
    const uploadUrl = typeof job.result?.uploadUrl === 'string' ? job.result.uploadUrl : undefined;
    const prompt =
      typeof job.result?.submittedPrompt === 'string'
        ? job.result.submittedPrompt
        : `${uploadUrl ?? request.imageUrl} ${input.textPrompt} --motion ${input.motion} --video 1`;
    return {
      success: true,
      message: answer ? 'Video generation started' : 'Video generation queued',
      data: answer ?? null,
      retryCount: 0,
      jobId: this.providerJobId(job) ?? job.id,
      gatewayJobId: job.id,
      status: answer ? 'processing' : job.status,
      imageUrl: uploadUrl ?? request.imageUrl,
      prompt,
      timestamp: new Date().toISOString(),
    };
  }

  /** Midjourney's submit answer; a job that ended before Midjourney accepted it answers its error (not 200). */
  private submitAnswer(job: Job): SubmitAnswer | undefined {
    const answer = job.result?.providerResponse as SubmitAnswer | undefined;
    if (answer === undefined && isTerminal(job.status)) {
      throw new GatewayException(
        job.error?.code ?? 'PROVIDER_ERROR',
        job.error?.message ?? `The job ended ${job.status}`,
        {
          jobId: job.id,
          retryCount: 0,
        },
      );
    }
    return answer;
  }

  private providerJobId(job: Job): string | undefined {
    const id = job.result?.providerJobId;
    return typeof id === 'string' && id ? id : undefined;
  }

  /** The original's answer: `status` is the service's (running | error | stopped), `accountState` ours. */
  async status() {
    // Several accounts: the service runs while any of them does (one account: its own worker answers, fresher than
    // the registry's last beat).
    const pool = await this.accounts.pool('midjourney');
    if (pool.length > 1) {
      const usable = pool.filter((a) => legacyStatus(a.state) === 'running');
      const best = usable[0] ?? pool[0];
      return {
        success: true,
        isLoggedIn: pool.some((a) => a.signedIn),
        status: legacyStatus(best.state),
        accountState: best.state,
        accounts: { total: pool.length, running: usable.length },
      };
    }
    try {
      const status = await this.midjourney.status();
      return {
        success: true,
        isLoggedIn: status.account.signedIn,
        status: legacyStatus(status.account.state),
        accountState: status.account.state,
        uptime: status.uptimeSeconds,
      };
    } catch (error) {
      if (error instanceof GatewayException && error.code === 'WORKER_UNAVAILABLE') {
        return {
          success: false,
          isLoggedIn: false,
          message: 'The Midjourney service is not running',
          status: legacyStatus(undefined),
        };
      }
      throw error;
    }
  }

  proxyImage(url: string) {
    return this.midjourney.proxyImage(url);
  }
}
