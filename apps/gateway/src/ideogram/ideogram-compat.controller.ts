import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiHeader, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { ApiKey } from '../auth/api-key.js';
import { CurrentKey, RequireScope } from '../auth/auth.decorators.js';
import { CallerIdeogramToken } from './caller-token.js';
import {
  BulkDownloadBody,
  CaptionBody,
  DownloadParams,
  DownloadQuery,
  GalleryQuery,
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

const CALLER_TOKEN = {
  name: 'authorization',
  required: false,
  description:
    'With the gateway key in x-api-key, `Bearer <your Ideogram token>` runs this call on your own Ideogram account ' +
    '(never stored, never logged)',
};
const PASS_THROUGH =
  'Style, magic prompt, model, sampling speed and resolution go to Ideogram as given, as the original did: a value ' +
  'Ideogram does not offer fails the job with its reason (INVALID_PARAMETER).';
const SUBMIT_ONLY =
  'Submit-only in the original. Without a caller token: a job on the account pool, answered with Ideogram’s submit ' +
  'answer once the worker has it (`jobId` names the job). With a caller token: submitted on your own account, the ' +
  'site’s answer without a job, as the original (poll it with /api/getrequestid and the same token).';

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

  @ApiOperation({ summary: 'Remix an image (original route; the n8n flow)', description: PASS_THROUGH })
  @ApiOkResponse({
    schema: {
      example: {
        success: true,
        jobId: '0b9e8f7a-1c2d-4e3f-8a9b-0c1d2e3f4a5b',
        message: 'Job started. Processing in background.',
      },
    },
  })
  @Post('remix')
  @HttpCode(200)
  remix(@Body() body: RemixBody, @CurrentKey() key: ApiKey) {
    return this.compat.remix(key, body);
  }

  @ApiOperation({ summary: 'A remix-family job’s status and images (original route)' })
  @ApiOkResponse({
    schema: {
      example: {
        success: true,
        jobId: '0b9e8f7a-1c2d-4e3f-8a9b-0c1d2e3f4a5b',
        status: 'completed',
        createdAt: '2026-12-07T10:00:00.000Z',
        updatedAt: '2026-12-07T10:01:10.000Z',
        errorMessage: null,
        images: ['https://files.example.com/product-ideas/0b9e8f7a-1c2d-4e3f-8a9b-0c1d2e3f4a5b/resp_1.png'],
        isComplete: true,
        isFailed: false,
        isProcessing: false,
      },
    },
  })
  @ApiNotFoundResponse({
    description: '`jobId` at the top level, as the original',
    schema: {
      example: {
        success: false,
        error: 'Job not found',
        code: 'NOT_FOUND',
        jobId: 'ideogram-1712345678901-abcdefghi',
        details: { jobId: 'ideogram-1712345678901-abcdefghi' },
        timestamp: '2026-12-07T10:00:00.000Z',
      },
    },
  })
  @Get('job/:jobId')
  job(@Param('jobId') jobId: string) {
    return this.compat.job(jobId);
  }

  @ApiOperation({ summary: 'Upload an image to Ideogram by URL (original route)' })
  @ApiHeader(CALLER_TOKEN)
  @Post('upload')
  @HttpCode(200)
  upload(@Body() body: UploadBody, @CallerIdeogramToken() token: string | undefined) {
    return this.compat.upload(body, token);
  }

  @ApiOperation({ summary: 'Caption an Ideogram upload (original route)' })
  @ApiHeader(CALLER_TOKEN)
  @Post('caption')
  @HttpCode(200)
  caption(@Body() body: CaptionBody, @CallerIdeogramToken() token: string | undefined) {
    return this.compat.caption(body, token);
  }

  @ApiOperation({ summary: 'Four captioned variations of an image (original route)', description: PASS_THROUGH })
  @Post('generate-variations')
  @HttpCode(200)
  generateVariations(@Body() body: GenerateVariationsBody, @CurrentKey() key: ApiKey) {
    return this.compat.generateVariations(key, body);
  }

  @ApiOperation({ summary: 'Variations of an upload with your prompt (original route)', description: PASS_THROUGH })
  @Post('gencustom')
  @HttpCode(200)
  genCustom(@Body() body: GenCustomBody, @CurrentKey() key: ApiKey) {
    return this.compat.genCustom(key, body);
  }

  @ApiOperation({ summary: 'Upscale a generated image (original route)', description: SUBMIT_ONLY })
  @ApiHeader(CALLER_TOKEN)
  @Post('upscale')
  @HttpCode(200)
  upscale(@Body() body: UpscaleBody, @CurrentKey() key: ApiKey, @CallerIdeogramToken() token: string | undefined) {
    return this.compat.upscale(key, body, token);
  }

  @ApiOperation({ summary: 'Remove an image’s background (original route)', description: SUBMIT_ONLY })
  @ApiHeader(CALLER_TOKEN)
  @Post('removebackground')
  @HttpCode(200)
  removeBackground(
    @Body() body: RemoveBackgroundBody,
    @CurrentKey() key: ApiKey,
    @CallerIdeogramToken() token: string | undefined,
  ) {
    return this.compat.removeBackground(key, body, token);
  }

  @ApiOperation({ summary: 'Text to image (original route)', description: `${SUBMIT_ONLY} ${PASS_THROUGH}` })
  @ApiHeader(CALLER_TOKEN)
  @Post('genimageprompt')
  @HttpCode(200)
  genImagePrompt(
    @Body() body: GenImagePromptBody,
    @CurrentKey() key: ApiKey,
    @CallerIdeogramToken() token: string | undefined,
  ) {
    return this.compat.genImagePrompt(key, body, token);
  }

  @ApiOperation({ summary: 'An Ideogram request’s metadata (original route)' })
  @ApiHeader(CALLER_TOKEN)
  @Get('getrequestid')
  requestMetadata(@Query() query: RequestIdQuery, @CallerIdeogramToken() token: string | undefined) {
    return this.compat.requestMetadata(query.id, token);
  }

  @ApiOperation({ summary: 'Download a response’s image (original route; quality=PNG → image/png, else image/jpeg)' })
  @ApiHeader(CALLER_TOKEN)
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

  @ApiOperation({
    summary: 'Download several images at once (original route)',
    description:
      'Forwards the Ideogram web app’s bulk download: the bytes with Ideogram’s Content-Type (an image for one id, a ' +
      'zip for several; the site’s exact shape is unverified). Provider errors keep their status (400, 401, 404, 429).',
  })
  @ApiHeader(CALLER_TOKEN)
  @Post('d/images')
  @HttpCode(200)
  async bulkDownload(
    @Body() body: BulkDownloadBody,
    @CallerIdeogramToken() token: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const file = await this.compat.bulkDownload(body, token);
    void reply.header('content-type', file.contentType);
    return file.bytes;
  }

  @ApiOperation({
    summary: 'A user’s gallery (original route)',
    description:
      'Ideogram’s own answer of `/api/g/u`, verbatim (`all_privacy` true and `filters` everything by default).',
  })
  @ApiHeader(CALLER_TOKEN)
  @ApiOkResponse({
    schema: { example: { results: [{ request_id: 'req_1', responses: [{ response_id: 'resp_1' }] }] } },
  })
  @Get('u')
  gallery(@Query() query: GalleryQuery, @CallerIdeogramToken() token: string | undefined) {
    return this.compat.gallery(query, token);
  }
}
