import { Injectable } from '@nestjs/common';
import { firstValueFrom, timeout } from 'rxjs';
import { ERROR_CODES_ALL, requestChunks } from './worker-rpc.support.js';
import { NatsService } from '@app/messaging';
import type { ErrorCode } from '@app/contracts';
import { GatewayException } from '../errors/gateway.exception.js';

export class RpcConfig {
  timeoutMs: number = 10_000;
}

/** Request/reply to workers over Nest's NATS client; worker error codes come back as the same HTTP codes. */
@Injectable()
export class WorkerRpc {
  constructor(
    private readonly nats: NatsService,
    private readonly config: RpcConfig,
  ) {}

  async send<T>(subject: string, payload: unknown = {}, timeoutMs = this.config.timeoutMs): Promise<T> {
    try {
      return await firstValueFrom(this.nats.client.send<T>(subject, payload).pipe(timeout(timeoutMs)));
    } catch (error) {
      throw toGatewayError(error);
    }
  }

  async file(subject: string, payload: unknown, timeoutMs = 90_000): Promise<{ bytes: Buffer; contentType: string }> {
    try {
      return await requestChunks(await this.nats.connection(), subject, payload, timeoutMs);
    } catch (error) {
      throw toGatewayError(error);
    }
  }
}

export function toGatewayError(error: unknown): GatewayException {
  const e = error as { code?: unknown; message?: unknown; name?: string };
  if (typeof e?.code === 'string' && ERROR_CODES_ALL.has(e.code)) {
    return new GatewayException(e.code as ErrorCode, typeof e.message === 'string' ? e.message : e.code);
  }
  const text = String(e?.message ?? error);
  if (e?.name === 'TimeoutError' || /timeout/i.test(text)) {
    return new GatewayException('WORKER_UNAVAILABLE', 'The provider service did not answer in time');
  }
  if (/no responders|503/i.test(text)) {
    return new GatewayException('WORKER_UNAVAILABLE', 'No provider service is running');
  }
  return new GatewayException('WORKER_UNAVAILABLE', `The provider service failed: ${text}`);
}
