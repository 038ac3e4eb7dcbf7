import { Body, Controller, Delete, Get, Param, ParseUUIDPipe, Patch, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { GatewayException } from '../errors/gateway.exception.js';
import type { ApiKey } from './api-key.js';
import { ApiKeysService } from './api-keys.service.js';
import { RequireScope } from './auth.decorators.js';
import { CreateKeyDto, UpdateKeyDto } from './dto/create-key.dto.js';
import { limitsFromDto, limitsView } from './dto/key-limits.dto.js';

const view = (k: ApiKey) => ({
  id: k.id,
  name: k.name,
  prefix: k.prefix,
  scopes: k.scopes,
  expires_at: k.expiresAt,
  revoked_at: k.revokedAt,
  created_at: k.createdAt,
  limits: limitsView(k.limits),
});
const uuid = new ParseUUIDPipe({ exceptionFactory: () => new GatewayException('NOT_FOUND', 'No such key') });
const EXAMPLE_KEY = {
  id: '0b8f6a3e-2c1d-4e5f-8a9b-1c2d3e4f5a6b',
  name: 'n8n',
  prefix: 'gw_Ab3',
  scopes: ['midjourney'],
  expires_at: null,
  revoked_at: null,
  created_at: '2026-12-01T10:00:00.000Z',
  limits: { requests_per_minute: 120, jobs_per_day: null, concurrent_jobs: 5, concurrent_streams: null },
};

/** Key management (scope `admin` or `*`); the plaintext key is shown once, at creation. */
@ApiTags('admin')
@ApiSecurity('api-key')
@RequireScope('admin')
@Controller('v1/admin/keys')
export class AdminKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  @ApiOperation({ summary: 'Create an API key (the plaintext `key` is in this answer only)' })
  @ApiOkResponse({ schema: { example: { ...EXAMPLE_KEY, key: 'gw_…' } } })
  async create(@Body() body: CreateKeyDto) {
    const { key, plain } = await this.keys.create({
      name: body.name,
      scopes: body.scopes,
      expiresAt: body.expires_at ?? null,
      limits: limitsFromDto(body.limits),
    });
    return { ...view(key), key: plain };
  }

  @Get()
  @ApiOperation({ summary: 'List API keys with their limits (null: the configured default)' })
  @ApiOkResponse({ schema: { example: { data: [EXAMPLE_KEY] } } })
  async list() {
    return { data: (await this.keys.list()).map(view) };
  }

  @Patch(':id')
  @ApiOperation({
    summary: "Change a key's limits",
    description:
      'Fields sent are set (null: back to the configured default), fields left out keep their value. Every gateway replica applies the change at once (within 30 s without NATS).',
  })
  @ApiOkResponse({ schema: { example: EXAMPLE_KEY } })
  async update(@Param('id', uuid) id: string, @Body() body: UpdateKeyDto) {
    return view(await this.keys.updateLimits(id, limitsFromDto(body.limits)));
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Revoke an API key' })
  async revoke(@Param('id', uuid) id: string) {
    return view(await this.keys.revoke(id));
  }
}
