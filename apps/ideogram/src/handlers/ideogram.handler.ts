import { Controller, UseFilters, UsePipes } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  IDEOGRAM_COMMANDS,
  IdeogramCaptionRequest,
  IdeogramRequestMetadataRequest,
  IdeogramUploadRequest,
  Subjects,
  rpcValidationPipe,
  type IdeogramCaptionReply,
  type IdeogramMetadataReply,
  type IdeogramUploadReply,
  type PingReply,
  type StatusReply,
} from '@app/contracts';
import { RpcErrorFilter, WorkerRuntime } from '@app/provider-adapter';
import { IdeogramCommandsService } from './ideogram-commands.service.js';

/** Core NATS request/reply of the Ideogram service (queue group: every replica serves them). */
@Controller()
@UsePipes(rpcValidationPipe)
@UseFilters(RpcErrorFilter)
export class IdeogramHandler {
  constructor(
    private readonly runtime: WorkerRuntime,
    private readonly commands: IdeogramCommandsService,
  ) {}

  @MessagePattern(Subjects.rpc.status('ideogram'))
  status(): StatusReply {
    return this.runtime.status();
  }

  @MessagePattern(Subjects.rpc.init('ideogram'))
  init(): Promise<StatusReply> {
    return this.runtime.init();
  }

  @MessagePattern(Subjects.rpc.ping('ideogram'))
  ping(): PingReply {
    return { provider: 'ideogram', worker: this.runtime.status().worker, at: new Date().toISOString() };
  }

  @MessagePattern(Subjects.rpc.command('ideogram', IDEOGRAM_COMMANDS.upload))
  upload(@Payload() request: IdeogramUploadRequest): Promise<IdeogramUploadReply> {
    return this.commands.upload(request);
  }

  @MessagePattern(Subjects.rpc.command('ideogram', IDEOGRAM_COMMANDS.caption))
  caption(@Payload() request: IdeogramCaptionRequest): Promise<IdeogramCaptionReply> {
    return this.commands.caption(request);
  }

  @MessagePattern(Subjects.rpc.command('ideogram', IDEOGRAM_COMMANDS.requestMetadata))
  requestMetadata(@Payload() request: IdeogramRequestMetadataRequest): Promise<IdeogramMetadataReply> {
    return this.commands.requestMetadata(request);
  }
}
