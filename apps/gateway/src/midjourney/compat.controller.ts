import { Body, Controller, Get, Headers, HttpCode, Post, Query, Req, Res, UseInterceptors } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { MidjourneyImagineOptions } from '@app/contracts';
import type { ApiKey } from '../auth/api-key.js';
import { ApiKeysService } from '../auth/api-keys.service.js';
import { CurrentKey, Public, RequireScope, presentedKey } from '../auth/auth.decorators.js';
import { GenImageBody, GenImageQuery, GenVideoBody, GenVideoQuery, ProxyImageQuery } from './dto/compat.dto.js';
import { LegacyStatsInterceptor } from './legacy-stats.js';
import { CompatService } from './compat.service.js';

const GENIMAGE_EXAMPLE = {
  success: true,
  message: 'Image generation started',
  data: {
    success: [{ job_id: '2f0c1d52-6a4e-4c1b-9d0e-8a7b6c5d4e3f', meta: { batch_size: 4, width: 1024, height: 768 } }],
    failure: [],
  },
  jobId: '2f0c1d52-6a4e-4c1b-9d0e-8a7b6c5d4e3f',
  gatewayJobId: '0b9e8f7a-1c2d-4e3f-8a9b-0c1d2e3f4a5b',
  batchSize: 4,
  status: 'processing',
  retryCount: 0,
  mode: 'database',
  timestamp: '2026-12-07T10:00:00.000Z',
};
const GENIMAGE_DOC =
  'Answers once Midjourney accepted the job (waits up to MIDJOURNEY_COMPAT_SUBMIT_WAIT_SECONDS, default 60): `jobId` is ' +
  'Midjourney’s own job id (https://cdn.midjourney.com/<jobId>/0_<i>.png works with /midjourney/proxy-image), `data` ' +
  'its submit answer, `gatewayJobId` the durable job (/v1/jobs/:id). Still waiting for the account: `jobId` is the ' +
  'gateway’s and `status` says pending. A job refused before Midjourney accepted it answers its error.';

/**
 * The original Midjourney service's routes, for existing clients (n8n flows): same fields, defaults and success
 * shapes, 200 on accepted work. Now behind API keys, validated (400 instead of 500), and durable: `jobId`
 * resolves at /v1/jobs/:id. The job-creating routes honour `Idempotency-Key`: n8n retries after its timeout.
 */
@ApiTags('original routes')
@ApiSecurity('api-key')
@Controller()
export class CompatController {
  constructor(
    private readonly compat: CompatService,
    private readonly keys: ApiKeysService,
  ) {}

  /** Open, as the original's (it tells no more than /health); the console stays at /console, the docs at /docs. */
  @Public()
  @ApiOperation({ summary: 'The original Midjourney service’s index (original route)' })
  @ApiOkResponse({
    schema: {
      example: {
        message: 'Midjourney API Server',
        version: '1.0.0',
        endpoints: { 'GET /health': 'Service status and request counters', '…': '…' },
        status: 'running',
        uptime: 3600,
      },
    },
  })
  @Get()
  index() {
    return this.compat.index();
  }

  /** Open, as the original's; internal error text only with a valid key. */
  @Public()
  @Get('health')
  async health(@Req() request: FastifyRequest) {
    const detailed = await this.keys.authenticate(presentedKey(request)).then(
      () => true,
      () => false,
    );
    return this.compat.health(detailed);
  }

  @RequireScope('midjourney')
  @UseInterceptors(LegacyStatsInterceptor)
  @ApiOperation({ summary: 'Re-check the Midjourney account (original route)' })
  @ApiOkResponse({
    description: '`status` as the original: running | error | stopped; `accountState` is the account’s own state',
    schema: {
      example: { success: true, message: 'Midjourney client initialized', status: 'running', accountState: 'ready' },
    },
  })
  @Post('midjourney/init')
  @HttpCode(200)
  init() {
    return this.compat.init();
  }

  @RequireScope('midjourney')
  @UseInterceptors(LegacyStatsInterceptor)
  @ApiOperation({ summary: 'Imagine (original route, JSON body)', description: GENIMAGE_DOC })
  @ApiOkResponse({ schema: { example: GENIMAGE_EXAMPLE } })
  @Post('midjourney/genimage')
  @HttpCode(200)
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  genImage(
    @Body() body: GenImageBody,
    @CurrentKey() key: ApiKey,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
  ) {
    return this.compat.genImage(
      key,
      {
        prompt: body.prompt,
        imageUrl: body.url_image,
        options: body.options ?? {},
        ideaId: body.design_id ?? body.idea_id,
      },
      idempotencyKey,
    );
  }

  @RequireScope('midjourney')
  @UseInterceptors(LegacyStatsInterceptor)
  @ApiOperation({
    summary: 'Imagine (original route, options in the query; niji=1 = the default niji model)',
    description: GENIMAGE_DOC,
  })
  @ApiOkResponse({ schema: { example: { ...GENIMAGE_EXAMPLE, mode: 'standalone' } } })
  @Get('midjourney/genimage')
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  genImageQuery(
    @Query() q: GenImageQuery,
    @CurrentKey() key: ApiKey,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
  ) {
    const options: MidjourneyImagineOptions = {
      chaos: q.chaos,
      ar: q.ar,
      stylize: q.stylize,
      weird: q.weird,
      version: q.version,
      quality: q.quality,
      stop: q.stop,
      tile: q.tile,
      niji: q.niji,
      mode: q.mode,
      private: q.private,
    };
    return this.compat.genImage(
      key,
      {
        prompt: q.prompt,
        imageUrl: q.url_image,
        options: JSON.parse(JSON.stringify(options)) as MidjourneyImagineOptions,
        ideaId: q.design_id ?? q.idea_id,
      },
      idempotencyKey,
    );
  }

  @RequireScope('midjourney')
  @UseInterceptors(LegacyStatsInterceptor)
  @ApiOperation({
    summary: 'Image to video (original route)',
    description:
      'Answers once Midjourney accepted the job, like genimage; `imageUrl` is Midjourney’s short URL of the uploaded ' +
      'image and `prompt` the video prompt built on it.',
  })
  @ApiOkResponse({
    schema: {
      example: {
        success: true,
        message: 'Video generation started',
        data: { success: [{ job_id: '5e4d3c2b-1a09-4f8e-9d7c-6b5a4f3e2d1c', meta: { batch_size: 4 } }], failure: [] },
        retryCount: 0,
        jobId: '5e4d3c2b-1a09-4f8e-9d7c-6b5a4f3e2d1c',
        gatewayJobId: '0b9e8f7a-1c2d-4e3f-8a9b-0c1d2e3f4a5b',
        status: 'processing',
        imageUrl: 'https://s.mj.run/AbCdEfGh',
        prompt: 'https://s.mj.run/AbCdEfGh cinematic video, smooth motion --motion high --video 1',
        timestamp: '2026-12-07T10:00:00.000Z',
      },
    },
  })
  @Post('midjourney/genvideo')
  @HttpCode(200)
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  genVideo(
    @Body() body: GenVideoBody,
    @CurrentKey() key: ApiKey,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
  ) {
    return this.compat.genVideo(
      key,
      {
        imageUrl: body.image_url,
        textPrompt: body.text_prompt,
        ...body.options,
        ideaId: body.design_id ?? body.idea_id,
      },
      idempotencyKey,
    );
  }

  @RequireScope('midjourney')
  @UseInterceptors(LegacyStatsInterceptor)
  @ApiOperation({
    summary: 'Image to video (original route)',
    description:
      'Answers once Midjourney accepted the job, like genimage; `imageUrl` is Midjourney’s short URL of the uploaded ' +
      'image and `prompt` the video prompt built on it.',
  })
  @ApiOkResponse({
    schema: {
      example: {
        success: true,
        message: 'Video generation started',
        data: { success: [{ job_id: '5e4d3c2b-1a09-4f8e-9d7c-6b5a4f3e2d1c', meta: { batch_size: 4 } }], failure: [] },
        retryCount: 0,
        jobId: '5e4d3c2b-1a09-4f8e-9d7c-6b5a4f3e2d1c',
        gatewayJobId: '0b9e8f7a-1c2d-4e3f-8a9b-0c1d2e3f4a5b',
        status: 'processing',
        imageUrl: 'https://s.mj.run/AbCdEfGh',
        prompt: 'https://s.mj.run/AbCdEfGh cinematic video, smooth motion --motion high --video 1',
        timestamp: '2026-12-07T10:00:00.000Z',
      },
    },
  })
  @Get('midjourney/genvideo')
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  genVideoQuery(
    @Query() q: GenVideoQuery,
    @CurrentKey() key: ApiKey,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
  ) {
    return this.compat.genVideo(
      key,
      {
        imageUrl: q.image_url,
        textPrompt: q.text_prompt,
        chaos: q.chaos,
        ar: q.ar,
        motion: q.motion,
        mode: q.mode,
        private: q.private,
        ideaId: q.design_id ?? q.idea_id,
      },
      idempotencyKey,
    );
  }

  @RequireScope('midjourney')
  @UseInterceptors(LegacyStatsInterceptor)
  @ApiOperation({ summary: 'Service and account status (original route)' })
  @ApiOkResponse({
    description: '`status` as the original: running | error | stopped (no worker); `accountState` is the account’s',
    schema: { example: { success: true, isLoggedIn: true, status: 'running', accountState: 'ready', uptime: 3600 } },
  })
  @Get('midjourney/status')
  status() {
    return this.compat.status();
  }

  @RequireScope('midjourney')
  @UseInterceptors(LegacyStatsInterceptor)
  @Get('midjourney/proxy-image')
  async proxyImage(@Query() q: ProxyImageQuery, @Res({ passthrough: true }) reply: FastifyReply) {
    const image = await this.compat.proxyImage(q.url);
    void reply.header('content-type', image.contentType).header('content-disposition', 'inline; filename="image"');
    return image.bytes;
  }
}
