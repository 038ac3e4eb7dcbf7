import { Controller, UseFilters, UsePipes } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  ChatgptConversationPromptRequest,
  ChatgptRecentImagesRequest,
  Subjects,
  rpcValidationPipe,
  type ChatgptConversationPromptReply,
  type ChatgptRecentImagesReply,
} from '@app/contracts';
import { RpcErrorFilter } from '@app/provider-adapter';
import { ChatgptAdapter } from '../adapter/chatgpt.adapter.js';

/**
 * The ChatGPT service's own quick commands over core NATS request/reply (queue group: every replica serves them);
 * status, init and ping come with the worker runtime.
 */
@Controller()
@UsePipes(rpcValidationPipe)
@UseFilters(RpcErrorFilter)
export class ChatgptHandler {
  constructor(private readonly adapter: ChatgptAdapter) {}

  @MessagePattern(Subjects.rpc.command('chatgpt', 'recent-images'))
  recentImages(@Payload() request: ChatgptRecentImagesRequest): Promise<ChatgptRecentImagesReply> {
    return this.adapter.recentImages(request, AbortSignal.timeout(45_000));
  }

  @MessagePattern(Subjects.rpc.command('chatgpt', 'conversation-prompt'))
  conversationPrompt(@Payload() request: ChatgptConversationPromptRequest): Promise<ChatgptConversationPromptReply> {
    return this.adapter.conversationPrompt(request.conversationId, AbortSignal.timeout(30_000));
  }
}
