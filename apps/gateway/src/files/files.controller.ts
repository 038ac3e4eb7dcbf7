import { Controller, Get, Param, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { contentTypeOf, LocalObjectStorage, ObjectStorage, StorageConfig, verifyObjectSignature } from '@app/storage';
import { keyAllows } from '../auth/api-key.js';
import { ApiKeysService } from '../auth/api-keys.service.js';
import { Public, presentedKey } from '../auth/auth.decorators.js';
import { GatewayException } from '../errors/gateway.exception.js';
import { FilesConfig } from './files.config.js';

/**
 * Local storage under /files/<bucket>/<path>: readable with the URL's signature (what stored URLs carry, shareable)
 * or an API key scoped for the provider whose bucket it is (or `*`). Streams from disk; traversal is refused by the
 * storage adapter.
 */
@ApiExcludeController()
@Controller('files')
export class FilesController {
  constructor(
    private readonly storage: ObjectStorage,
    private readonly config: StorageConfig,
    private readonly keys: ApiKeysService,
    private readonly files: FilesConfig,
  ) {}

  @Public()
  @Get(':bucket/*')
  async file(
    @Param('bucket') bucket: string,
    @Param('*') path: string,
    @Query('sig') sig: string | undefined,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    const signed = !!this.config.signingSecret && verifyObjectSignature(this.config.signingSecret, bucket, path, sig);
    if (!signed) {
      const key = await this.keys.authenticate(presentedKey(req));
      const scopes = this.files.bucketScopes[bucket] ?? [];
      if (!key.scopes.includes('*') && !scopes.some((scope) => keyAllows(key, scope))) {
        throw new GatewayException('FORBIDDEN_SCOPE', `This API key may not read the '${bucket}' bucket`);
      }
    }
    const file = this.storage instanceof LocalObjectStorage ? this.storage.filePath(bucket, path) : null;
    const info = file ? await stat(file).catch(() => null) : null;
    if (!file || !info?.isFile()) throw new GatewayException('NOT_FOUND', 'No such file');
    return reply
      .header('content-type', contentTypeOf(path))
      .header('content-length', info.size)
      .header('cache-control', 'private, max-age=31536000, immutable')
      .send(createReadStream(file));
  }
}
