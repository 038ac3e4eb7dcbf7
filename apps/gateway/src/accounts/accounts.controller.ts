import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { ApiKey } from '../auth/api-key.js';
import { keyAllows } from '../auth/api-key.js';
import { CurrentKey, RequireScope } from '../auth/auth.decorators.js';
import { GatewayException } from '../errors/gateway.exception.js';
import { AccountsService } from './accounts.service.js';

const EXAMPLE = {
  provider: 'midjourney',
  account: 'midjourney-0',
  worker: 'midjourney-0-1',
  state: 'ready',
  signedIn: true,
  running: 1,
  queued: 0,
  capacity: 3,
  cooldownUntil: null,
  lastError: null,
  disabled: false,
  plan: null,
  pool: { weight: 1, dailyJobLimit: 0, submittedToday: 12, workingHours: null, offDuty: null },
  browser: { connected: true, launchedAt: '2026-12-07T12:00:00.000Z', relaunches: 0, pages: 1 },
  updatedAt: '2026-12-07T12:00:03.000Z',
};

/** The pool of provider accounts: every account every running worker holds, with its live state. */
@ApiTags('accounts')
@ApiSecurity('api-key')
@Controller('v1/accounts')
export class AccountsController {
  constructor(private readonly accounts: AccountsService) {}

  @Get()
  @ApiOperation({
    summary: 'List the accounts of every provider',
    description:
      'From the registry every worker writes every 3 s (an entry disappears 15 s after its worker died). An admin ' +
      'key sees every provider; a provider-scoped key sees its providers.',
  })
  @ApiQuery({ name: 'provider', required: false, example: 'midjourney' })
  @ApiOkResponse({ schema: { example: { data: [EXAMPLE] } } })
  async list(@CurrentKey() key: ApiKey, @Query('provider') provider?: string) {
    return { data: await this.accounts.list(key, provider) };
  }

  @Post(':provider/:account/check')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Re-check one account now',
    description: 'Its worker re-opens the site and checks the session (up to 120 s); answers with the fresh entry.',
  })
  @ApiOkResponse({ schema: { example: EXAMPLE } })
  async check(@CurrentKey() key: ApiKey, @Param('provider') provider: string, @Param('account') account: string) {
    if (!keyAllows(key, provider)) throw new GatewayException('NOT_FOUND', `No provider '${provider.slice(0, 32)}'`);
    return this.accounts.check(provider, account);
  }

  @Post(':provider/:account/disable')
  @HttpCode(200)
  @RequireScope('admin')
  @ApiOperation({
    summary: 'Take an account out of rotation',
    description:
      'It finishes what it holds and takes no new jobs (applied by its worker within 3 s, kept across restarts); ' +
      'jobs go to the provider’s other accounts.',
  })
  @ApiOkResponse({ schema: { example: { disabled: true, entry: EXAMPLE } } })
  async disable(@Param('provider') provider: string, @Param('account') account: string) {
    return this.accounts.setDisabled(provider, account, true);
  }

  @Post(':provider/:account/enable')
  @HttpCode(200)
  @RequireScope('admin')
  @ApiOperation({ summary: 'Put an account back into rotation' })
  @ApiOkResponse({ schema: { example: { disabled: false, entry: EXAMPLE } } })
  async enable(@Param('provider') provider: string, @Param('account') account: string) {
    return this.accounts.setDisabled(provider, account, false);
  }
}
