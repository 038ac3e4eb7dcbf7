import { Controller, UseFilters, UsePipes } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { Subjects, rpcValidationPipe, type PingReply, type StatusReply } from '@app/contracts';
import { RpcErrorFilter, WorkerRuntime } from '@app/provider-adapter';

/** Core NATS request/reply of the Midjourney service (queue group: every replica serves them). */
@Controller()
@UsePipes(rpcValidationPipe)
@UseFilters(RpcErrorFilter)
export class MidjourneyHandler {
  constructor(private readonly runtime: WorkerRuntime) {}

  @MessagePattern(Subjects.rpc.status('midjourney'))
  status(): StatusReply {
    return this.runtime.status();
  }

  @MessagePattern(Subjects.rpc.init('midjourney'))
  init(): Promise<StatusReply> {
    return this.runtime.init();
  }

  @MessagePattern(Subjects.rpc.ping('midjourney'))
  ping(): PingReply {
    return { provider: 'midjourney', worker: this.runtime.status().worker, at: new Date().toISOString() };
  }
}
