import { Body, Controller, Headers, Post, Res } from '@nestjs/common';
import { ApiBody, ApiExtraModels, ApiHeader, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { ApiKey } from '../auth/api-key.js';
import { CurrentKey, RequireScope } from '../auth/auth.decorators.js';
import { ActionDto, BlendDto, DescribeDto } from './dto/actions.dto.js';
import { ImagineDto, VideoDto } from './dto/imagine.dto.js';
import { JobWaiter, jobAnswer, preferWaitSeconds } from '../jobs/job-waiter.js';
import { MidjourneyService } from './midjourney.service.js';

@ApiTags('midjourney')
@ApiSecurity('api-key')
@ApiHeader({ name: 'Idempotency-Key', required: false })
@ApiHeader({ name: 'Prefer', required: false, description: 'wait=N: answer when the job ends, up to N (≤ 60) seconds' })
@RequireScope('midjourney')
@ApiExtraModels(ActionDto, BlendDto, DescribeDto)
@Controller('v1/midjourney')
export class MidjourneyController {
  constructor(
    private readonly midjourney: MidjourneyService,
    private readonly waiter: JobWaiter,
  ) {}

  @Post('imagine')
  @ApiOperation({
    summary: 'Imagine: a grid of four images from a prompt',
    description: [
      'Flags: exactly one of each; an option beats a flag typed in the prompt, which beats the defaults (chaos 5,',
      'ar 4:3, stylize 150, weird 200, v 7). Typed options: style_refs (URLs or codes) + style_weight, omni_ref +',
      'omni_weight (v7, not with niji), image_weight, seed, no, raw, personalize, draft, exp; reference URLs are',
      'uploaded to Midjourney first. A completed job has result.images (four cells), result.grid (the composite)',
      'and result.actions, the follow-ups POST /v1/midjourney/actions accepts for it.',
    ].join(' '),
  })
  async submitImagine(
    @Body() body: ImagineDto,
    @CurrentKey() key: ApiKey,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Headers('prefer') prefer: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const created = await this.midjourney.imagine(
      key,
      {
        prompt: body.prompt,
        imageUrl: body.image_url ?? body.url_image,
        options: body.options,
        ideaId: body.design_id ?? body.idea_id,
        webhookUrl: body.webhook_url,
        webhookEvents: body.webhook_events,
        timeoutSeconds: body.timeout_seconds,
      },
      idempotencyKey,
    );
    return jobAnswer(reply, await this.waiter.settle(created, preferWaitSeconds(prefer)), created.created);
  }

  @Post('video')
  @ApiOperation({
    summary: 'Image-to-video from an image URL',
    description:
      'The image is uploaded first and leads the prompt; --chaos/--ar are not sent with --video. A completed job lists extend:<n> for each video in result.actions.',
  })
  async submitVideo(
    @Body() body: VideoDto,
    @CurrentKey() key: ApiKey,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Headers('prefer') prefer: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const created = await this.midjourney.video(
      key,
      {
        imageUrl: body.image_url,
        textPrompt: body.text_prompt,
        motion: body.motion,
        mode: body.mode,
        ar: body.ar,
        chaos: body.chaos,
        private: body.private,
        batchSize: body.batch_size,
        ideaId: body.design_id ?? body.idea_id,
        webhookUrl: body.webhook_url,
        webhookEvents: body.webhook_events,
        timeoutSeconds: body.timeout_seconds,
      },
      idempotencyKey,
    );
    return jobAnswer(reply, await this.waiter.settle(created, preferWaitSeconds(prefer)), created.created);
  }

  @Post('actions')
  @ApiOperation({
    summary: 'A follow-up of a completed Midjourney job (upscale, vary, reroll, pan, animate, extend)',
    description: [
      'Runs on the account that made the parent. `action` must be one of the parent’s `result.actions`, strings of the',
      'grammar `reroll | (upscale|vary|animate|extend):<1-4> | pan:<1-4>:(up|down|left|right)`: a grid lists',
      'upscale, vary, pan and animate of each cell and reroll; an upscale lists vary, pan and animate of its image; a',
      'video job lists extend of each video. Cells count 1–4. The answer is a job (202) like any other: poll it, stream',
      'it, or pass webhook_url. Errors: 404 unknown or another key’s parent; 409 PARENT_NOT_READY; 422',
      'ACTION_NOT_ALLOWED (not in the parent’s actions); 422 NOT_SUPPORTED (zoom: no established web request).',
    ].join(' '),
  })
  @ApiBody({
    type: ActionDto,
    examples: {
      upscale: {
        value: { job_id: '0b6c1f9e-2a1d-4c1e-9c4f-6f3a2b1c0d9e', action: 'upscale', index: 2, type: 'subtle' },
      },
      vary: { value: { job_id: '0b6c1f9e-2a1d-4c1e-9c4f-6f3a2b1c0d9e', action: 'vary', index: 1, strength: 'strong' } },
      reroll: { value: { job_id: '0b6c1f9e-2a1d-4c1e-9c4f-6f3a2b1c0d9e', action: 'reroll' } },
      pan: { value: { job_id: '0b6c1f9e-2a1d-4c1e-9c4f-6f3a2b1c0d9e', action: 'pan', index: 3, direction: 'left' } },
      animate: {
        value: {
          job_id: '0b6c1f9e-2a1d-4c1e-9c4f-6f3a2b1c0d9e',
          action: 'animate',
          index: 4,
          motion: 'low',
          batch_size: 1,
          loop: true,
        },
      },
      extend: {
        value: {
          job_id: '5d7e0c3a-8b2f-4e6d-a1c9-3f2e1d0c9b8a',
          action: 'extend',
          index: 1,
          prompt: 'the camera pulls back',
        },
      },
    },
  })
  async submitAction(
    @Body() body: ActionDto,
    @CurrentKey() key: ApiKey,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Headers('prefer') prefer: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const created = await this.midjourney.action(
      key,
      {
        jobId: body.job_id,
        action: body.action,
        index: body.index,
        type: body.type,
        strength: body.strength,
        prompt: body.prompt,
        direction: body.direction,
        factor: body.factor,
        motion: body.motion,
        resolution: body.resolution,
        batchSize: body.batch_size,
        endImageUrl: body.end_image_url,
        loop: body.loop,
        mode: body.mode,
        private: body.private,
        webhookUrl: body.webhook_url,
        webhookEvents: body.webhook_events,
        timeoutSeconds: body.timeout_seconds,
      },
      idempotencyKey,
    );
    return jobAnswer(reply, await this.waiter.settle(created, preferWaitSeconds(prefer)), created.created);
  }

  @Post('describe')
  @ApiOperation({
    summary: 'Four prompts Midjourney would write for an image',
    description: 'The image is uploaded to Midjourney first. The job completes with `result.descriptions` (strings).',
  })
  @ApiBody({ type: DescribeDto, examples: { describe: { value: { image_url: 'https://example.com/photo.png' } } } })
  async submitDescribe(
    @Body() body: DescribeDto,
    @CurrentKey() key: ApiKey,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Headers('prefer') prefer: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const created = await this.midjourney.describe(
      key,
      {
        imageUrl: body.image_url,
        webhookUrl: body.webhook_url,
        webhookEvents: body.webhook_events,
        timeoutSeconds: body.timeout_seconds,
      },
      idempotencyKey,
    );
    return jobAnswer(reply, await this.waiter.settle(created, preferWaitSeconds(prefer)), created.created);
  }

  @Post('blend')
  @ApiOperation({
    summary: 'Blend 2–5 images into a grid of four',
    description:
      'The images are uploaded to Midjourney and imagined together with the dimensions’ --ar (portrait 2:3, square 1:1, landscape 3:2). Completes like an imagine: four images, result.grid and result.actions.',
  })
  @ApiBody({
    type: BlendDto,
    examples: {
      blend: {
        value: { image_urls: ['https://example.com/a.png', 'https://example.com/b.png'], dimensions: 'landscape' },
      },
    },
  })
  async submitBlend(
    @Body() body: BlendDto,
    @CurrentKey() key: ApiKey,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Headers('prefer') prefer: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const created = await this.midjourney.blend(
      key,
      {
        imageUrls: body.image_urls,
        dimensions: body.dimensions,
        mode: body.mode,
        private: body.private,
        webhookUrl: body.webhook_url,
        webhookEvents: body.webhook_events,
        timeoutSeconds: body.timeout_seconds,
      },
      idempotencyKey,
    );
    return jobAnswer(reply, await this.waiter.settle(created, preferWaitSeconds(prefer)), created.created);
  }
}
