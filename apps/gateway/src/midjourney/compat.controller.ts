import { Body, Controller, Get, Headers, HttpCode, Post, Query, Req, Res, UseInterceptors } from '@nestjs/common';
import { ApiHeader, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { MidjourneyImagineOptions } from '@app/contracts';
import type { ApiKey } from '../auth/api-key.js';
import { ApiKeysService } from '../auth/api-keys.service.js';
import { CurrentKey, Public, RequireScope, presentedKey } from '../auth/auth.decorators.js';
import { GenImageBody, GenImageQuery, GenVideoBody, GenVideoQuery, ProxyImageQuery } from './dto/compat.dto.js';
import { LegacyStatsInterceptor } from './legacy-stats.js';
import { CompatService } from './compat.service.js';

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
  @Post('midjourney/init')
  @HttpCode(200)
  init() {
    return this.compat.init();
  }

  @RequireScope('midjourney')
  @UseInterceptors(LegacyStatsInterceptor)
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
