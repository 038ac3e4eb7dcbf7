import { Body, Controller, Get, Headers, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { ApiKey } from '../auth/api-key.js';
import { CurrentKey, RequireScope } from '../auth/auth.decorators.js';
import { GatewayException } from '../errors/gateway.exception.js';
import { JobsService } from '../jobs/jobs.service.js';
import { MidjourneyService } from '../midjourney/midjourney.service.js';
import { parseChange, parseCustomId, parseSimpleChange, type CustomIdParse } from './custom-id.js';
import {
  MjActionBody,
  MjBlendBody,
  MjChangeBody,
  MjDescribeBody,
  MjImagineBody,
  MjListBody,
  MjSimpleChangeBody,
  MjVideoBody,
} from './mjproxy.dto.js';
import { MjProxyService, VALIDATION, failure, proxyIdempotencyKey, type SubmitAnswer } from './mjproxy.service.js';
import { imageOf, imagesOf, routeOf } from './request.js';
import { toTask } from './task.js';

const DIMENSIONS: Record<string, string> = { PORTRAIT: 'portrait', SQUARE: 'square', LANDSCAPE: 'landscape' };
/**
 * The task API of midjourney-proxy (novicezk, trueai-org), as new-api's relay and chat front ends call it. A task is
 * a gateway job (same id): visible through /v1/jobs and the console too. Submits answer HTTP 200 with the proxies'
 * code; an unknown task is 404 and a missing or wrong key 401, both in the proxies' shape {code, description}.
 */
@ApiTags('mj-proxy')
@ApiSecurity('api-key')
@ApiHeader({ name: 'mj-api-secret', required: false, description: 'A gateway API key (Bearer prefix tolerated)' })
@RequireScope('midjourney')
@Controller('mj')
export class MjProxyController {
  constructor(
    private readonly proxy: MjProxyService,
    private readonly midjourney: MidjourneyService,
    private readonly jobs: JobsService,
  ) {}

  @Post('submit/imagine')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Imagine (midjourney-proxy): a grid of four from a prompt, with image prompts as URLs or base64',
    description:
      'botType NIJI_JOURNEY runs the default niji model; accountFilter.modes picks the speed (the first), ' +
      'accountFilter.instanceId the account (an unknown or disabled one answers code 4).',
  })
  @ApiBody({
    type: MjImagineBody,
    examples: {
      imagine: { value: { prompt: 'a lighthouse at dusk', state: 'u42' } },
      imagePrompt: {
        value: {
          prompt: 'in the style of a woodcut',
          base64Array: ['data:image/png;base64,iVBORw0KGgo…'],
          botType: 'NIJI_JOURNEY',
          accountFilter: { instanceId: 'default', modes: ['FAST'] },
        },
      },
    },
  })
  async imagine(
    @Body() body: MjImagineBody,
    @CurrentKey() key: ApiKey,
    @Headers('idempotency-key') idempotency?: string,
  ): Promise<SubmitAnswer> {
    const route = routeOf(body.accountFilter);
    return this.proxy.submit(
      () => {
        const { urls, images } = imagesOf(body.base64Array ?? [], 'base64Array');
        if (urls.length > 1) {
          throw new GatewayException('INVALID_REQUEST', 'base64Array: at most one image URL (send others as base64)');
        }
        const options = {
          ...(route.mode ? { mode: route.mode } : {}),
          ...(body.botType === 'NIJI_JOURNEY' ? { niji: true } : {}),
        };
        return () =>
          this.midjourney.imagine(
            key,
            {
              prompt: body.prompt,
              imageUrl: urls[0],
              images,
              ...(Object.keys(options).length ? { options } : {}),
              account: route.account,
              proxy: meta('IMAGINE', body),
            },
            proxyIdempotencyKey('imagine', body, idempotency),
          );
      },
      body.notifyHook,
      route.account,
    );
  }

  @Post('submit/action')
  @HttpCode(200)
  @ApiOperation({
    summary: 'A button of a task (midjourney-proxy customId): U, V, reroll, pan, vary subtle/strong, upscale, animate',
    description: 'Zoom (MJ::Outpaint, MJ::CustomZoom) and vary region answer code 4: not supported on the web app.',
  })
  @ApiBody({
    type: MjActionBody,
    examples: {
      upscale: {
        value: {
          taskId: '0b6c1f9e-2a1d-4c1e-9c4f-6f3a2b1c0d9e',
          customId: 'MJ::JOB::upsample::2::0b6c1f9e-2a1d-4c1e-9c4f-6f3a2b1c0d9e',
        },
      },
    },
  })
  action(@Body() body: MjActionBody, @CurrentKey() key: ApiKey, @Headers('idempotency-key') idempotency?: string) {
    return this.follow(key, body.taskId, parseCustomId(body.customId), body, 'action', idempotency);
  }

  @Post('submit/change')
  @HttpCode(200)
  @ApiOperation({ summary: 'UPSCALE, VARIATION or REROLL of a task (midjourney-proxy)' })
  @ApiBody({
    type: MjChangeBody,
    examples: { u2: { value: { taskId: '0b6c1f9e-2a1d-4c1e-9c4f-6f3a2b1c0d9e', action: 'UPSCALE', index: 2 } } },
  })
  change(@Body() body: MjChangeBody, @CurrentKey() key: ApiKey, @Headers('idempotency-key') idempotency?: string) {
    return this.follow(key, body.taskId, parseChange(body.action, body.index), body, 'change', idempotency);
  }

  @Post('submit/simple-change')
  @HttpCode(200)
  @ApiOperation({ summary: "'<taskId> U2' (midjourney-proxy simple change)" })
  @ApiBody({
    type: MjSimpleChangeBody,
    examples: { u2: { value: { content: '0b6c1f9e-2a1d-4c1e-9c4f-6f3a2b1c0d9e U2' } } },
  })
  simpleChange(
    @Body() body: MjSimpleChangeBody,
    @CurrentKey() key: ApiKey,
    @Headers('idempotency-key') idempotency?: string,
  ) {
    const { taskId, change } = parseSimpleChange(body.content);
    return this.follow(key, taskId, change, body, 'simple-change', idempotency);
  }

  @Post('submit/describe')
  @HttpCode(200)
  @ApiOperation({ summary: 'Describe an image (midjourney-proxy): four prompts, in the task’s prompt and properties' })
  @ApiBody({
    type: MjDescribeBody,
    examples: {
      base64: { value: { base64: 'data:image/png;base64,iVBORw0KGgo…' } },
      link: { value: { link: 'https://example.com/photo.png' } },
    },
  })
  async describe(
    @Body() body: MjDescribeBody,
    @CurrentKey() key: ApiKey,
    @Headers('idempotency-key') idempotency?: string,
  ): Promise<SubmitAnswer> {
    if (!body.link && !body.base64) return failure(VALIDATION, 'describe needs base64 or link');
    const route = routeOf(body.accountFilter);
    return this.proxy.submit(
      () => {
        const one = body.link ? { url: body.link } : imageOf(body.base64!, 'base64');
        return () =>
          this.midjourney.describe(
            key,
            {
              ...('url' in one ? { imageUrl: one.url } : { image: one.image }),
              account: route.account,
              proxy: meta('DESCRIBE', body),
            },
            proxyIdempotencyKey('describe', body, idempotency),
          );
      },
      body.notifyHook,
      route.account,
    );
  }

  @Post('submit/blend')
  @HttpCode(200)
  @ApiOperation({ summary: 'Blend 2–5 images (midjourney-proxy)' })
  @ApiBody({
    type: MjBlendBody,
    examples: {
      blend: {
        value: {
          base64Array: ['data:image/png;base64,iVBORw0KGgo…', 'data:image/jpeg;base64,/9j/4AAQ…'],
          dimensions: 'SQUARE',
        },
      },
      urls: {
        value: { base64Array: ['https://example.com/a.png', 'https://example.com/b.png'], dimensions: 'PORTRAIT' },
      },
    },
  })
  async blend(
    @Body() body: MjBlendBody,
    @CurrentKey() key: ApiKey,
    @Headers('idempotency-key') idempotency?: string,
  ): Promise<SubmitAnswer> {
    if (body.base64Array.length < 2) return failure(VALIDATION, 'blend needs 2–5 images');
    const route = routeOf(body.accountFilter);
    return this.proxy.submit(
      () => {
        const { urls, images } = imagesOf(body.base64Array, 'base64Array');
        return () =>
          this.midjourney.blend(
            key,
            {
              imageUrls: urls,
              images,
              dimensions: DIMENSIONS[body.dimensions ?? 'SQUARE'],
              mode: route.mode,
              account: route.account,
              proxy: meta('BLEND', body),
            },
            proxyIdempotencyKey('blend', body, idempotency),
          );
      },
      body.notifyHook,
      route.account,
    );
  }

  @Post('submit/video')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Image-to-video (midjourney-proxy): a start image (URL or base64), end image or loop, motion, batch size',
  })
  @ApiBody({
    type: MjVideoBody,
    examples: {
      video: { value: { image: 'https://example.com/a.png', prompt: 'slow pan', motion: 'low' } },
      loop: { value: { image: 'data:image/png;base64,iVBORw0KGgo…', loop: true, batchSize: 1 } },
    },
  })
  async video(
    @Body() body: MjVideoBody,
    @CurrentKey() key: ApiKey,
    @Headers('idempotency-key') idempotency?: string,
  ): Promise<SubmitAnswer> {
    if (!body.image) return failure(VALIDATION, 'video needs image (a URL or base64)');
    const route = routeOf(body.accountFilter);
    return this.proxy.submit(
      () => {
        const start = imageOf(body.image!, 'image');
        const end = body.endImage ? imageOf(body.endImage, 'endImage') : undefined;
        return () =>
          this.midjourney.video(
            key,
            {
              ...('url' in start ? { imageUrl: start.url } : { image: start.image }),
              ...(end ? ('url' in end ? { endImageUrl: end.url } : { endImage: end.image }) : {}),
              loop: body.loop,
              textPrompt: body.prompt,
              motion: body.motion,
              batchSize: body.batchSize,
              mode: route.mode,
              account: route.account,
              proxy: meta('VIDEO', body),
            },
            proxyIdempotencyKey('video', body, idempotency),
          );
      },
      body.notifyHook,
      route.account,
    );
  }

  @Post('submit/shorten')
  @HttpCode(200)
  @ApiOperation({ summary: 'Not supported: midjourney.com’s web app has no /shorten (answers code 4)' })
  shorten(): SubmitAnswer {
    return failure(VALIDATION, 'shorten is not supported: midjourney.com’s web app has no /shorten');
  }

  @Post('submit/modal')
  @HttpCode(200)
  @ApiOperation({ summary: 'Not supported: remix/vary-region modals cannot be driven on the web app (answers code 4)' })
  modal(): SubmitAnswer {
    return failure(
      VALIDATION,
      'modal is not supported: vary region / custom zoom have no established midjourney.com web request',
    );
  }

  @Get('task/:id/fetch')
  @ApiOperation({ summary: 'A task (midjourney-proxy Task JSON)' })
  async fetch(@Param('id') id: string, @CurrentKey() key: ApiKey) {
    const job = await this.proxy.task(key, id);
    if (!job) throw unknownTask(id);
    return toTask(job);
  }

  @Post('task/list-by-condition')
  @HttpCode(200)
  @ApiOperation({ summary: 'Tasks by ids (≤ 100; unknown ids left out)' })
  @ApiBody({ type: MjListBody, examples: { ids: { value: { ids: ['0b6c1f9e-2a1d-4c1e-9c4f-6f3a2b1c0d9e'] } } } })
  async list(@Body() body: MjListBody, @CurrentKey() key: ApiKey) {
    const jobs = await Promise.all([...new Set(body.ids)].map((id) => this.proxy.task(key, id)));
    return jobs.filter((job) => job !== undefined).map(toTask);
  }

  @Get('task/:id/image-seed')
  @ApiOperation({ summary: 'A task’s seed, when known (else code 4)' })
  async seed(@Param('id') id: string, @CurrentKey() key: ApiKey): Promise<SubmitAnswer> {
    const job = await this.proxy.task(key, id);
    if (!job) throw unknownTask(id);
    const seed = job.result?.seed;
    if (typeof seed !== 'string' && typeof seed !== 'number') {
      return failure(VALIDATION, 'The seed of this task is not known (midjourney.com does not show it)');
    }
    return { code: 1, description: 'Success', result: String(seed), properties: {} };
  }

  @Post('task/:id/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel a task that has not finished' })
  async cancel(@Param('id') id: string, @CurrentKey() key: ApiKey): Promise<SubmitAnswer> {
    const job = await this.proxy.task(key, id);
    if (!job) throw unknownTask(id);
    try {
      await this.jobs.cancel(key, id);
    } catch (error) {
      if (error instanceof GatewayException && error.code === 'JOB_FINISHED') return failure(VALIDATION, error.message);
      throw error;
    }
    return { code: 1, description: 'Success', result: id, properties: {} };
  }

  private async follow(
    key: ApiKey,
    taskId: string,
    parsed: CustomIdParse,
    body: { state?: string; notifyHook?: string },
    route: string,
    idempotency?: string,
  ): Promise<SubmitAnswer> {
    if (!parsed.ok) return failure(VALIDATION, parsed.reason);
    const parent = await this.proxy.task(key, taskId);
    if (!parent) return failure(VALIDATION, `No task ${taskId}`);
    const a = parsed.action;
    return this.proxy.submit(
      () => () =>
        this.midjourney.action(
          key,
          {
            jobId: parent.id,
            action: a.action,
            ...(a.index !== undefined ? { index: a.index } : {}),
            ...(a.type ? { type: a.type } : {}),
            ...(a.strength ? { strength: a.strength } : {}),
            ...(a.direction ? { direction: a.direction } : {}),
            ...(a.motion ? { motion: a.motion } : {}),
            proxy: meta(undefined, body),
          },
          proxyIdempotencyKey(route, body, idempotency),
        ),
      body.notifyHook,
    );
  }
}

function meta(action: string | undefined, body: { state?: string; notifyHook?: string }): Record<string, unknown> {
  return {
    ...(action ? { action } : {}),
    ...(body.state !== undefined ? { state: body.state } : {}),
    ...(body.notifyHook ? { notifyHook: body.notifyHook } : {}),
  };
}

function unknownTask(id: string): GatewayException {
  return new GatewayException('NOT_FOUND', `No task ${id}`);
}
