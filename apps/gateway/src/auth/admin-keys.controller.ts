import { Body, Controller, Delete, Get, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiSecurity, ApiTags } from '@nestjs/swagger';
import { GatewayException } from '../errors/gateway.exception.js';
import type { ApiKey } from './api-key.js';
import { ApiKeysService } from './api-keys.service.js';
import { RequireScope } from './auth.decorators.js';
import { CreateKeyDto } from './dto/create-key.dto.js';

const view = (k: ApiKey) => ({
  id: k.id,
  name: k.name,
  prefix: k.prefix,
  scopes: k.scopes,
  expires_at: k.expiresAt,
  revoked_at: k.revokedAt,
  created_at: k.createdAt,
});
const uuid = new ParseUUIDPipe({ exceptionFactory: () => new GatewayException('NOT_FOUND', 'No such key') });

/** Key management (scope `admin` or `*`); the plaintext key is shown once, at creation. */
@ApiTags('admin')
@ApiSecurity('api-key')
@RequireScope('admin')
@Controller('v1/admin/keys')
export class AdminKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  async create(@Body() body: CreateKeyDto) {
    const { key, plain } = await this.keys.create({
      name: body.name,
      scopes: body.scopes,
      expiresAt: body.expires_at ?? null,
    });
    return { ...view(key), key: plain };
  }

  @Get()
  async list() {
    return { data: (await this.keys.list()).map(view) };
  }

  @Delete(':id')
  async revoke(@Param('id', uuid) id: string) {
    return view(await this.keys.revoke(id));
  }
}
