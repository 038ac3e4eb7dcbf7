import { Body, Controller, Headers, HttpCode, Post } from '@nestjs/common';
import { ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { ApiKey } from '../auth/api-key.js';
import { CurrentKey, RequireScope } from '../auth/auth.decorators.js';
import { ChatgptCompatService } from './chatgpt-compat.service.js';
import { ConversationPromptBody, GptGenBody, RecentImagesBody } from './dto/compat.dto.js';

/**
 * The original ChatGPT service's routes for existing clients: same fields and success shapes, 200. Now behind
 * API keys with the `chatgpt` scope, validated (400 with a code), and durable: `jobId` resolves at /v1/jobs/:id.
 */
@ApiTags('original routes')
@ApiSecurity('api-key')
@RequireScope('chatgpt')
@Controller()
export class ChatgptCompatController {
  constructor(private readonly compat: ChatgptCompatService) {}

  @Post('gptgen')
  @HttpCode(200)
  gptgen(@Body() body: GptGenBody, @CurrentKey() key: ApiKey, @Headers('prefer') prefer: string | undefined) {
    return this.compat.gptgen(key, body, prefer);
  }

  @Post('recent-images')
  @HttpCode(200)
  recentImages(@Body() body: RecentImagesBody) {
    return this.compat.recentImages(body);
  }

  @Post('conversation-prompt')
  @HttpCode(200)
  conversationPrompt(@Body() body: ConversationPromptBody) {
    return this.compat.conversationPrompt(body);
  }
}
