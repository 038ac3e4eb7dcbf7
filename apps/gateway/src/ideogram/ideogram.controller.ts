import { Body, Controller, Headers, Post, Res } from '@nestjs/common';
import { ApiHeader, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { ApiKey } from '../auth/api-key.js';
import { CurrentKey, RequireScope } from '../auth/auth.decorators.js';
import { JobWaiter, jobAnswer, preferWaitSeconds } from '../jobs/job-waiter.js';
import { DescribeDto, GenerateDto, RemixDto, RemoveBackgroundDto, UpscaleDto } from './dto/ideogram.dto.js';
import { IdeogramJobsService } from './ideogram-jobs.service.js';

/** `/v1/ideogram/<operation>`: each a durable job (202 + the job; Idempotency-Key; `Prefer: wait=N`). */
@ApiTags('ideogram')
@ApiSecurity('api-key')
@ApiHeader({ name: 'Idempotency-Key', required: false })
@ApiHeader({ name: 'Prefer', required: false, description: 'wait=N: answer when the job ends, up to N (≤ 60) seconds' })
@RequireScope('ideogram')
@Controller('v1/ideogram')
export class IdeogramController {
  constructor(
    private readonly ideogram: IdeogramJobsService,
    private readonly waiter: JobWaiter,
  ) {}

  @Post('remix')
  async submitRemix(
    @Body() body: RemixDto,
    @CurrentKey() key: ApiKey,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Headers('prefer') prefer: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const created = await this.ideogram.remix(key, body, idempotencyKey);
    return jobAnswer(reply, await this.waiter.settle(created, preferWaitSeconds(prefer)), created.created);
  }

  @Post('generate')
  async submitGenerate(
    @Body() body: GenerateDto,
    @CurrentKey() key: ApiKey,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Headers('prefer') prefer: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const created = await this.ideogram.generate(key, body, idempotencyKey);
    return jobAnswer(reply, await this.waiter.settle(created, preferWaitSeconds(prefer)), created.created);
  }

  @Post('upscale')
  async submitUpscale(
    @Body() body: UpscaleDto,
    @CurrentKey() key: ApiKey,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Headers('prefer') prefer: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const created = await this.ideogram.upscale(key, body, idempotencyKey);
    return jobAnswer(reply, await this.waiter.settle(created, preferWaitSeconds(prefer)), created.created);
  }

  @Post('remove-background')
  async submitRemoveBackground(
    @Body() body: RemoveBackgroundDto,
    @CurrentKey() key: ApiKey,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Headers('prefer') prefer: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const created = await this.ideogram.removeBackground(key, body, idempotencyKey);
    return jobAnswer(reply, await this.waiter.settle(created, preferWaitSeconds(prefer)), created.created);
  }

  @Post('describe')
  async submitDescribe(
    @Body() body: DescribeDto,
    @CurrentKey() key: ApiKey,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Headers('prefer') prefer: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const created = await this.ideogram.describe(key, body, idempotencyKey);
    return jobAnswer(reply, await this.waiter.settle(created, preferWaitSeconds(prefer)), created.created);
  }
}
