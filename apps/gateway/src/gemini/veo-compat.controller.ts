import { Body, Controller, Get, Headers, HttpCode, Param, Post, Req, Res, UseInterceptors } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiKey } from '../auth/api-key.js';
import { ApiKeysService } from '../auth/api-keys.service.js';
import { CurrentKey, Public, RequireScope, presentedKey } from '../auth/auth.decorators.js';
import { VeoGenerateBody } from './dto/gemini.dto.js';
import { VeoCompatService } from './veo-compat.service.js';
import { VeoStatsInterceptor } from './veo-stats.js';

const JOB_EXAMPLE = {
  success: true,
  jobId: '0b9e8f7a-1c2d-4e3f-8a9b-0c1d2e3f4a5b',
  prompt: 'a paper boat drifting down a rainy street, cinematic',
  image_url: null,
  status: 'completed',
  createdAt: '2026-12-07T10:00:00.000Z',
  startedAt: '2026-12-07T10:00:01.000Z',
  completedAt: '2026-12-07T10:03:12.000Z',
  videoPath: 'veo-videos/0b9e8f7a-1c2d-4e3f-8a9b-0c1d2e3f4a5b/veo_c0ffee0123456789.mp4',
  videoUrl: '/veo3/download/0b9e8f7a-1c2d-4e3f-8a9b-0c1d2e3f4a5b.mp4',
  error: null,
  timestamp: '2026-12-07T10:03:30.000Z',
};

/**
 * The original Veo service's routes, for existing clients (the n8n Veo flow): same fields and shapes, 200 on
 * accepted work. Its `GET /` and `GET /health` would collide with the Midjourney service's on the gateway's one port:
 * they answer at `GET /veo3` and `GET /veo3/health`. Behind API keys with the `gemini` scope (the index and the
 * health counters are open, as the Midjourney health is), validated (400 with a code), and durable.
 */
@ApiTags('original routes')
@ApiSecurity('api-key')
@RequireScope('gemini')
@Controller('veo3')
export class VeoCompatController {
  constructor(
    private readonly compat: VeoCompatService,
    private readonly keys: ApiKeysService,
  ) {}

  @Public()
  @Get()
  @ApiOperation({ summary: 'Veo service index (the original’s GET /)' })
  index() {
    return this.compat.index();
  }

  /** Open, as the original's; the last error's text only with a valid key. */
  @Public()
  @Get('health')
  @ApiOperation({ summary: 'Veo service counters (the original’s GET /health)' })
  async health(@Req() request: FastifyRequest) {
    const detailed = await this.keys.authenticate(presentedKey(request)).then(
      () => true,
      () => false,
    );
    return this.compat.health(detailed);
  }

  @UseInterceptors(VeoStatsInterceptor)
  @Post('generate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Start a Veo video (original route)', description: 'Poll GET /veo3/job/:jobId' })
  @ApiOkResponse({
    schema: {
      example: {
        success: true,
        jobId: '0b9e8f7a-1c2d-4e3f-8a9b-0c1d2e3f4a5b',
        message: 'Video generation started',
        estimatedTime: '2-10 minutes',
        timestamp: '2026-12-07T10:00:00.000Z',
      },
    },
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  generate(
    @Body() body: VeoGenerateBody,
    @CurrentKey() key: ApiKey,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
  ) {
    return this.compat.generate(key, body, idempotencyKey);
  }

  @UseInterceptors(VeoStatsInterceptor)
  @Get('job/:jobId')
  @ApiOperation({ summary: 'A Veo video job (original route)' })
  @ApiOkResponse({ schema: { example: JOB_EXAMPLE } })
  job(@Param('jobId') jobId: string) {
    return this.compat.job(jobId);
  }

  @UseInterceptors(VeoStatsInterceptor)
  @Get('jobs')
  @ApiOperation({ summary: 'Recent Veo video jobs (original route)' })
  jobs(@CurrentKey() key: ApiKey) {
    return this.compat.list(key);
  }

  @UseInterceptors(VeoStatsInterceptor)
  @Get('download/:filename')
  @ApiOperation({ summary: 'Download a finished Veo video (original route; the name comes from videoUrl)' })
  async download(@Param('filename') filename: string, @Res({ passthrough: true }) reply: FastifyReply) {
    const file = await this.compat.download(filename);
    void reply
      .type(file.contentType)
      .header('content-length', String(file.bytes.length))
      .header('content-disposition', `attachment; filename="${file.name}"`);
    return file.bytes;
  }
}
