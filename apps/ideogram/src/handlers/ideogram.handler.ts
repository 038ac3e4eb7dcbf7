import { Controller, UseFilters, UsePipes } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  IDEOGRAM_COMMANDS,
  IdeogramCaptionRequest,
  IdeogramGalleryRequest,
  IdeogramRequestMetadataRequest,
  IdeogramSubmitAsCallerRequest,
  IdeogramUploadRequest,
  Subjects,
  rpcValidationPipe,
  type IdeogramCaptionReply,
  type IdeogramGalleryReply,
  type IdeogramMetadataReply,
  type IdeogramSubmitAsCallerReply,
  type IdeogramUploadReply,
} from '@app/contracts';
import { RpcErrorFilter } from '@app/provider-adapter';
import { IdeogramCommandsService } from './ideogram-commands.service.js';

/**
 * The Ideogram service's own quick commands over core NATS request/reply (queue group: every replica serves them);
 * status, init and ping come with the worker runtime.
 */
@Controller()
@UsePipes(rpcValidationPipe)
@UseFilters(RpcErrorFilter)
export class IdeogramHandler {
  constructor(private readonly commands: IdeogramCommandsService) {}

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

  @MessagePattern(Subjects.rpc.command('ideogram', IDEOGRAM_COMMANDS.gallery))
  gallery(@Payload() request: IdeogramGalleryRequest): Promise<IdeogramGalleryReply> {
    return this.commands.gallery(request);
  }

  @MessagePattern(Subjects.rpc.command('ideogram', IDEOGRAM_COMMANDS.submitAsCaller))
  submitAsCaller(@Payload() request: IdeogramSubmitAsCallerRequest): Promise<IdeogramSubmitAsCallerReply> {
    return this.commands.submitAsCaller(request);
  }
}
