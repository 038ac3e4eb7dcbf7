import { Controller, UseFilters, UsePipes } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  ChatgptConversationPromptRequest,
  ChatgptRecentImagesRequest,
  Subjects,
  rpcValidationPipe,
  type ChatgptConversationPromptReply,
  type ChatgptRecentImagesReply,
  type PingReply,
  type StatusReply,
} from '@app/contracts';
import { RpcErrorFilter, WorkerRuntime } from '@app/provider-adapter';
import { ChatgptAdapter } from '../adapter/chatgpt.adapter.js';

/** Core NATS request/reply of the ChatGPT service (queue group: every replica serves them). */
@Controller()
@UsePipes(rpcValidationPipe)
@UseFilters(RpcErrorFilter)
export class ChatgptHandler {
  constructor(
    private readonly runtime: WorkerRuntime,
    private readonly adapter: ChatgptAdapter,
  ) {}

  @MessagePattern(Subjects.rpc.status('chatgpt'))
  status(): StatusReply {
    return this.runtime.status();
  }

  @MessagePattern(Subjects.rpc.init('chatgpt'))
  init(): Promise<StatusReply> {
    return this.runtime.init();
  }

  @MessagePattern(Subjects.rpc.ping('chatgpt'))
  ping(): PingReply {
    return { provider: 'chatgpt', worker: this.runtime.status().worker, at: new Date().toISOString() };
  }

  @MessagePattern(Subjects.rpc.command('chatgpt', 'recent-images'))
  recentImages(@Payload() request: ChatgptRecentImagesRequest): Promise<ChatgptRecentImagesReply> {
    return this.adapter.recentImages(request, AbortSignal.timeout(45_000));
  }

  @MessagePattern(Subjects.rpc.command('chatgpt', 'conversation-prompt'))
  conversationPrompt(@Payload() request: ChatgptConversationPromptRequest): Promise<ChatgptConversationPromptReply> {
    return this.adapter.conversationPrompt(request.conversationId, AbortSignal.timeout(30_000));
  }
}
