import { Body, Controller, Get, Headers, HttpCode, Post, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiHeader, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { ApiKey } from '../auth/api-key.js';
import { CurrentKey, RequireScope } from '../auth/auth.decorators.js';
import { JobWaiter, jobAnswer, preferWaitSeconds } from '../jobs/job-waiter.js';
import { GeminiVideoDto } from './dto/gemini.dto.js';
import { GeminiService } from './gemini.service.js';

const VIDEO_EXAMPLE = {
  id: '0b9e8f7a-1c2d-4e3f-8a9b-0c1d2e3f4a5b',
  provider: 'gemini',
  operation: 'video',
  status: 'pending',
  progress: 0,
  input: { prompt: 'a paper boat drifting down a rainy street, cinematic', imageUrl: 'https://example.com/start.png' },
  result: null,
  error: null,
  links: { self: '/v1/jobs/0b9e8f7a-1c2d-4e3f-8a9b-0c1d2e3f4a5b' },
};

@ApiTags('gemini')
@ApiSecurity('api-key')
@RequireScope('gemini')
@Controller('v1/gemini')
export class GeminiController {
  constructor(
    private readonly gemini: GeminiService,
    private readonly waiter: JobWaiter,
  ) {}

  @Post('video')
  @ApiOperation({
    summary: 'Make a Veo video in Gemini (job)',
    description:
      'A video from a prompt and optionally a start image, made by the account’s Gemini web app with the Veo tool; ' +
      'the stored video is in `result.videos` when the job completes. `image_url` must be on a public host. ' +
      'A refusal because the account may not use Veo ends the job with `FEATURE_UNAVAILABLE`.',
  })
  @ApiAcceptedResponse({ schema: { example: VIDEO_EXAMPLE } })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  @ApiHeader({ name: 'Prefer', required: false, description: 'wait=N: answer when the job ends, up to N (≤ 60) s' })
  async video(
    @Body() body: GeminiVideoDto,
    @CurrentKey() key: ApiKey,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Headers('prefer') prefer: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const created = await this.gemini.video(
      key,
      {
        prompt: body.prompt,
        imageUrl: body.image_url,
        webhookUrl: body.webhook_url,
        webhookEvents: body.webhook_events,
        timeoutSeconds: body.timeout_seconds,
      },
      idempotencyKey,
    );
    return jobAnswer(reply, await this.waiter.settle(created, preferWaitSeconds(prefer)), created.created);
  }

  /** The worker's account: state (ready, signed_out…), browser, runs, last error. */
  @Get('status')
  @ApiOperation({ summary: 'Gemini account status' })
  status() {
    return this.gemini.status();
  }

  /** Re-checks the account now, after the profile was signed in again. */
  @Post('init')
  @HttpCode(200)
  @ApiOperation({ summary: 'Re-check the Gemini account' })
  init() {
    return this.gemini.init();
  }
}
