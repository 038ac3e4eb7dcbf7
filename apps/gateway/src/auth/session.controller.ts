import { Body, Controller, Delete, Get, Header, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { ApiKey } from './api-key.js';
import { ApiKeysService } from './api-keys.service.js';
import { CurrentKey, Public } from './auth.decorators.js';
import { CreateSessionDto } from './dto/session.dto.js';
import { SessionService, type SessionClaims, type SessionRequest } from './session.service.js';

const sessionView = (key: ApiKey, claims: SessionClaims | undefined, csrfToken: string | null) => ({
  key: { id: key.id, name: key.name, prefix: key.prefix, scopes: key.scopes, expires_at: key.expiresAt },
  expires_at: claims ? new Date(claims.expiresAt * 1000).toISOString() : null,
  csrf_token: csrfToken,
});

const EXAMPLE = {
  key: {
    id: '0b9d6c1e-5a61-4c55-9d4f-8c2a7a0c1f00',
    name: 'operator',
    prefix: 'gw_Ab1',
    scopes: ['*'],
    expires_at: null,
  },
  expires_at: '2026-12-07T17:00:00.000Z',
  csrf_token: 'kq3N2Yx4…',
};

/** The console's sign-in: an API key exchanged for a short-lived HttpOnly session cookie (see SessionService). */
@ApiTags('session')
@Controller('v1/session')
export class SessionController {
  constructor(
    private readonly keys: ApiKeysService,
    private readonly sessions: SessionService,
  ) {}

  @Post()
  @Public()
  @HttpCode(200)
  @Header('cache-control', 'no-store')
  @ApiOperation({ summary: 'Sign in: exchange an API key for a session cookie (gw_session) and a CSRF token' })
  @ApiBody({ type: CreateSessionDto, examples: { key: { value: { api_key: 'gw_3f9c…' } } } })
  @ApiResponse({ status: 200, description: 'Signed in; send csrf_token as x-csrf-token on changes', example: EXAMPLE })
  @ApiResponse({ status: 401, description: 'UNAUTHENTICATED: unknown, revoked or expired key' })
  @ApiResponse({ status: 403, description: 'CSRF_REJECTED: sent from another origin' })
  async create(
    @Body() body: CreateSessionDto,
    @Req() request: SessionRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    this.sessions.checkOrigin(request);
    const key = await this.keys.authenticate(body.api_key);
    const session = this.sessions.issue(key);
    void reply.header('set-cookie', this.sessions.setCookie(session.cookie, session.claims, request));
    return sessionView(key, session.claims, session.csrfToken);
  }

  @Get()
  @ApiSecurity('api-key')
  @Header('cache-control', 'no-store')
  @ApiOperation({ summary: 'The current session: its key, expiry and CSRF token (a page reload reads it here)' })
  @ApiResponse({
    status: 200,
    description: 'csrf_token and expires_at are null when called with a key header',
    example: EXAMPLE,
  })
  @ApiResponse({ status: 401, description: 'UNAUTHENTICATED: no session, or it ended' })
  current(@CurrentKey() key: ApiKey, @Req() request: SessionRequest) {
    const claims = request.session;
    return sessionView(key, claims, claims ? this.sessions.csrfToken(claims) : null);
  }

  @Delete()
  @HttpCode(204)
  @ApiSecurity('api-key')
  @ApiOperation({ summary: 'Sign out: clears the session cookie (needs x-csrf-token when called with the cookie)' })
  @ApiResponse({ status: 204, description: 'Signed out' })
  @ApiResponse({ status: 403, description: 'CSRF_REJECTED: missing or wrong x-csrf-token' })
  remove(@Req() request: SessionRequest, @Res({ passthrough: true }) reply: FastifyReply): void {
    void reply.header('set-cookie', this.sessions.clearCookie(request));
  }
}
