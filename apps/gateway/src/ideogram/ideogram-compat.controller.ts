import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { ApiKey } from '../auth/api-key.js';
import { CurrentKey, RequireScope } from '../auth/auth.decorators.js';
import { CallerIdeogramToken } from './caller-token.js';
import {
  CaptionBody,
  DownloadParams,
  DownloadQuery,
  GenCustomBody,
  GenImagePromptBody,
  GenerateVariationsBody,
  RemixBody,
  RemoveBackgroundBody,
  RequestIdQuery,
  UploadBody,
  UpscaleBody,
} from './dto/ideogram-compat.dto.js';
import { IdeogramCompatService } from './ideogram-compat.service.js';

/**
 * The original Ideogram service's routes, for existing clients (the n8n remix flow): same fields, defaults and success
 * shapes, 200 on accepted work. Now behind API keys with the `ideogram` scope, validated (400 with a code instead of
 * 500), and durable.
 */
@ApiTags('original routes')
@ApiSecurity('api-key')
@RequireScope('ideogram')
@Controller('api')
export class IdeogramCompatController {
  constructor(private readonly compat: IdeogramCompatService) {}

  @Post('remix')
  @HttpCode(200)
  remix(@Body() body: RemixBody, @CurrentKey() key: ApiKey) {
    return this.compat.remix(key, body);
  }

  @Get('job/:jobId')
  job(@Param('jobId') jobId: string) {
    return this.compat.job(jobId);
  }

  @Post('upload')
  @HttpCode(200)
  upload(@Body() body: UploadBody, @CallerIdeogramToken() token: string | undefined) {
    return this.compat.upload(body, token);
  }

  @Post('caption')
  @HttpCode(200)
  caption(@Body() body: CaptionBody, @CallerIdeogramToken() token: string | undefined) {
    return this.compat.caption(body, token);
  }

  @Post('generate-variations')
  @HttpCode(200)
  generateVariations(@Body() body: GenerateVariationsBody, @CurrentKey() key: ApiKey) {
    return this.compat.generateVariations(key, body);
  }

  @Post('gencustom')
  @HttpCode(200)
  genCustom(@Body() body: GenCustomBody, @CurrentKey() key: ApiKey) {
    return this.compat.genCustom(key, body);
  }

  @Post('upscale')
  @HttpCode(200)
  upscale(@Body() body: UpscaleBody, @CurrentKey() key: ApiKey) {
    return this.compat.upscale(key, body);
  }

  @Post('removebackground')
  @HttpCode(200)
  removeBackground(@Body() body: RemoveBackgroundBody, @CurrentKey() key: ApiKey) {
    return this.compat.removeBackground(key, body);
  }

  @Post('genimageprompt')
  @HttpCode(200)
  genImagePrompt(@Body() body: GenImagePromptBody, @CurrentKey() key: ApiKey) {
    return this.compat.genImagePrompt(key, body);
  }

  @Get('getrequestid')
  requestMetadata(@Query() query: RequestIdQuery, @CallerIdeogramToken() token: string | undefined) {
    return this.compat.requestMetadata(query.id, token);
  }

  @Get('download/response/:response_id/image')
  async download(
    @Param() params: DownloadParams,
    @Query() query: DownloadQuery,
    @CallerIdeogramToken() token: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const file = await this.compat.download(params.response_id, query.quality, token);
    void reply.header('content-type', file.contentType);
    return file.bytes;
  }
}
