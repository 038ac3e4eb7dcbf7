import {
  Body,
  Controller,
  Get,
  Header,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Sse,
  type MessageEvent,
} from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { Job } from '@app/contracts';
import { Observable } from 'rxjs';
import { AccountsService } from '../accounts/accounts.service.js';
import { GatewayException } from '../errors/gateway.exception.js';
import type { ApiKey } from '../auth/api-key.js';
import { CurrentKey } from '../auth/auth.decorators.js';
import { BatchGetBody, ListJobsQuery } from './dto/list-jobs.dto.js';
import { JobStreamService } from './job-stream.service.js';
import { jobView, jobViewJson } from './job-view.js';
import { JobsService } from './jobs.service.js';

const uuid = new ParseUUIDPipe({ exceptionFactory: () => new GatewayException('NOT_FOUND', 'No such job') });

@ApiTags('jobs')
@ApiSecurity('api-key')
@Controller('v1/jobs')
export class JobsController {
  constructor(
    private readonly jobs: JobsService,
    private readonly stream: JobStreamService,
    private readonly accounts: AccountsService,
  ) {}

  @Get()
  async list(@Query() query: ListJobsQuery, @CurrentKey() key: ApiKey) {
    const page = await this.jobs.list(key, query);
    return { data: page.data.map(jobView), next_cursor: page.next_cursor };
  }

  @Post('batch-get')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Many jobs at once (up to 100 ids), for clients that poll many',
    description: '`data` holds the jobs found, in the order asked; `missing` the ids unknown to this key.',
  })
  @ApiBody({ type: BatchGetBody, examples: { ids: { value: { ids: ['0b6c1f9e-2a1d-4c1e-9c4f-6f3a2b1c0d9e'] } } } })
  async batchGet(@Body() body: BatchGetBody, @CurrentKey() key: ApiKey) {
    const ids = [...new Set(body.ids)];
    const found = await Promise.all(
      ids.map((id) =>
        this.jobs.get(key, id).catch((error: unknown) => {
          if (error instanceof GatewayException && error.code === 'NOT_FOUND') return undefined;
          throw error;
        }),
      ),
    );
    return {
      data: found.filter((job) => job !== undefined).map(jobView),
      missing: ids.filter((_, i) => found[i] === undefined),
    };
  }

  @Get(':id')
  @Header('content-type', 'application/json; charset=utf-8')
  @ApiOkResponse({
    description:
      'The job (id, provider, operation, status, progress, input, result, error, …); a pending job also shows `queue` {position, mode}, and for Midjourney, when the account it will run on is known (pinned, or the only one), `queue.account` {name, state, mode: the account’s own mode, fast_hours_left, relax_enabled}. A completed Midjourney job has `result.actions`: the follow-ups POST /v1/midjourney/actions accepts for it, strings of the grammar `reroll | (upscale|vary|animate|extend):<1-4> | pan:<1-4>:(up|down|left|right)`, and for a grid `result.grid`, the composite image.',
  })
  async get(@Param('id', uuid) id: string, @CurrentKey() key: ApiKey): Promise<string> {
    const job = await this.jobs.get(key, id);
    if (job.status !== 'pending') return jobViewJson(job);
    const queue = await this.jobs.queueOf(job);
    const account = queue && job.provider === 'midjourney' ? await this.queueAccount(job) : undefined;
    if (!queue) return jobViewJson(job);
    // The cached view with `queue` spliced in as its last member: pending jobs are the ones clients poll most.
    const view = jobViewJson(job);
    return `${view.slice(0, -1)},"queue":${JSON.stringify(account ? { ...queue, account } : queue)}}`;
  }

  /** The account a pending Midjourney job will run on, when it is known, with its own mode and fast hours left. */
  private async queueAccount(job: Job) {
    const pinned = typeof job.input.account === 'string' ? job.input.account : undefined;
    const entry = await this.accounts.accountFor(job.provider, pinned);
    if (!entry) return undefined;
    const plan = entry.plan ?? {};
    return {
      name: entry.account,
      state: entry.disabled ? 'disabled' : entry.state,
      ...(typeof plan.mode === 'string' ? { mode: plan.mode } : {}),
      ...(typeof plan.fastHoursLeft === 'number' ? { fast_hours_left: plan.fastHoursLeft } : {}),
      ...(typeof plan.relaxEnabled === 'boolean' ? { relax_enabled: plan.relaxEnabled } : {}),
    };
  }

  @Post(':id/cancel')
  @HttpCode(200)
  async cancel(@Param('id', uuid) id: string, @CurrentKey() key: ApiKey) {
    return jobView(await this.jobs.cancel(key, id));
  }

  /** Server-sent events: the job's snapshot now and after every change, until it ends. */
  @Sse(':id/events')
  events(@Param('id', uuid) id: string, @CurrentKey() key: ApiKey): Promise<Observable<MessageEvent>> {
    return this.stream.open(key, id);
  }
}
