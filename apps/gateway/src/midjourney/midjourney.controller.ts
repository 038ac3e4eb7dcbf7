import { Body, Controller, Headers, Post, Res } from '@nestjs/common';
import { ApiHeader, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { ApiKey } from '../auth/api-key.js';
import { CurrentKey, RequireScope } from '../auth/auth.decorators.js';
import { ImagineDto, VideoDto } from './dto/imagine.dto.js';
import { JobWaiter, jobAnswer, preferWaitSeconds } from '../jobs/job-waiter.js';
import { MidjourneyService } from './midjourney.service.js';

@ApiTags('midjourney')
@ApiSecurity('api-key')
@ApiHeader({ name: 'Idempotency-Key', required: false })
@ApiHeader({ name: 'Prefer', required: false, description: 'wait=N: answer when the job ends, up to N (≤ 60) seconds' })
@RequireScope('midjourney')
@Controller('v1/midjourney')
export class MidjourneyController {
  constructor(
    private readonly midjourney: MidjourneyService,
    private readonly waiter: JobWaiter,
  ) {}

  @Post('imagine')
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
        timeoutSeconds: body.timeout_seconds,
      },
      idempotencyKey,
    );
    return jobAnswer(reply, await this.waiter.settle(created, preferWaitSeconds(prefer)), created.created);
  }

  @Post('video')
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
        timeoutSeconds: body.timeout_seconds,
      },
      idempotencyKey,
    );
    return jobAnswer(reply, await this.waiter.settle(created, preferWaitSeconds(prefer)), created.created);
  }
}
