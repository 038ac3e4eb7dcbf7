import { Controller, UseFilters, UsePipes, type Type } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { Subjects, rpcValidationPipe, type PingReply, type ProviderName, type StatusReply } from '@app/contracts';
import { RpcErrorFilter } from './rpc-error.filter.js';
import { WorkerRuntime } from './worker-runtime.js';

/**
 * The request/reply every worker serves — `<provider>.status`, `.init`, `.ping` — on its provider's subjects (queue
 * group: every replica serves them). Subjects are fixed at decoration time, hence a class per provider.
 */
export function workerRpcHandler(provider: ProviderName): Type<unknown> {
  @Controller()
  @UsePipes(rpcValidationPipe)
  @UseFilters(RpcErrorFilter)
  class WorkerRpcHandler {
    constructor(private readonly runtime: WorkerRuntime) {}

    @MessagePattern(Subjects.rpc.status(provider))
    status(): StatusReply {
      return this.runtime.status();
    }

    @MessagePattern(Subjects.rpc.init(provider))
    init(): Promise<StatusReply> {
      return this.runtime.init();
    }

    @MessagePattern(Subjects.rpc.ping(provider))
    ping(): PingReply {
      return { provider, worker: this.runtime.status().worker, at: new Date().toISOString() };
    }
  }
  return WorkerRpcHandler;
}
