import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CHALLENGE_HTML, type FaultName, type FaultRegistry } from '../faults/faults.js';
import { parseCookies } from '../midjourney/midjourney-app.js';
import { chatgptPage } from './chatgpt-page.js';
import {
  AUTH_DETAIL,
  DEVICE_COOKIE,
  RATE_LIMIT_DETAIL,
  SESSION_COOKIE,
  type ChatgptState,
  type GptAccount,
  type SendRequest,
  type UserPointer,
  markersOf,
} from './chatgpt-state.js';
import { AnswerStreamer } from './chatgpt-stream.js';

const P = 'chatgpt';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface ChatgptOrigins {
  app: string;
}

/** Session cookies of an account in the usual export format (what an operator exports from a real browser). */
export function chatgptCookies(account: GptAccount, host: string) {
  const expires = Math.floor(Date.now() / 1000) + 30 * 24 * 3600;
  return [
    {
      name: SESSION_COOKIE,
      value: account.sessionToken,
      domain: host,
      path: '/',
      expires,
      httpOnly: true,
      secure: true,
      sameSite: 'lax',
    },
    { name: DEVICE_COOKIE, value: account.deviceId, domain: host, path: '/', expires, secure: true, sameSite: 'lax' },
  ];
}

/**
 * The chatgpt.com stand-in (PROVIDERS.md §4, §5.3): pages for chats, custom GPTs and conversations, the session
 * endpoint, the SSE conversation endpoint and the backend calls the page and adapters use, the upload trio with a
 * blob store, and signed estuary downloads. Faults come from the shared registry (provider `chatgpt`).
 */
export function registerChatgptApp(
  app: FastifyInstance,
  state: ChatgptState,
  faults: FaultRegistry,
  origins: ChatgptOrigins,
) {
  const speed = () => state.timing.speed;
  const pollMs = () => Math.max(50, Math.round(1500 * speed()));
  app.addContentTypeParser(
    ['image/png', 'image/jpeg', 'image/webp', 'image/gif', 'application/octet-stream'],
    { parseAs: 'buffer' },
    (_req, body, done) => done(null, body),
  );

  const cookieAccount = (req: FastifyRequest) => state.bySession(parseCookies(req.headers.cookie)[SESSION_COOKIE]);
  const signedOut = (account: GptAccount | undefined) => !account || faults.has(P, 'any', account.name, 'unauthorized');

  /** Latency, challenge pages, 5xx: what any endpoint may answer instead of its work. */
  async function genericFault(endpoint: string, reply: FastifyReply, account?: string): Promise<boolean> {
    const names: FaultName[] = ['challenge', 'challenge_200', 'server_error', 'slow_cdn'];
    const fault = faults.take(P, endpoint, account, names);
    if (!fault) return false;
    if (fault.latencyMs) await sleep(fault.latencyMs);
    if (fault.fault === 'challenge') {
      await reply.code(403).type('text/html').send(CHALLENGE_HTML);
      return true;
    }
    if (fault.fault === 'challenge_200') {
      await reply.code(200).type('text/html').send(CHALLENGE_HTML);
      return true;
    }
    if (fault.fault === 'server_error') {
      await reply.code(500).send({ detail: 'Internal server error' });
      return true;
    }
    return false; // slow_cdn: latency only
  }

  /** Backend calls carry `Authorization: Bearer <accessToken>` from /api/auth/session. */
  async function backendAuth(req: FastifyRequest, reply: FastifyReply, endpoint: string) {
    state.count(endpoint);
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const account = state.byAccessToken(bearer);
    if (await genericFault(endpoint, reply, account?.name)) return undefined;
    if (!account || faults.has(P, endpoint, account.name, 'unauthorized')) {
      await reply.code(401).send({ detail: AUTH_DETAIL });
      return undefined;
    }
    if (faults.take(P, endpoint, account.name, ['rate_limit'])) {
      await reply.code(429).send({ detail: RATE_LIMIT_DETAIL });
      return undefined;
    }
    return account;
  }

  async function page(req: FastifyRequest, reply: FastifyReply, gizmoSegment?: string, conversationId?: string) {
    state.count('page');
    const account = cookieAccount(req);
    if (faults.take(P, 'page', account?.name, ['challenge_once'])) {
      return reply.code(403).type('text/html').send(CHALLENGE_HTML);
    }
    if (await genericFault('page', reply, account?.name)) return;
    const gizmo = gizmoSegment ? state.gizmoOf(gizmoSegment) : undefined;
    const html = chatgptPage({
      signedIn: !signedOut(account),
      gizmo: gizmo ? { id: gizmo.id, slug: gizmo.slug, name: gizmo.name } : null,
      gizmoMissing: !!gizmoSegment && !gizmo,
      conversationId: conversationId ?? null,
      basePath: gizmoSegment ? `/g/${gizmoSegment}` : '',
      pollMs: pollMs(),
    });
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(html);
  }

  app.get('/', (req, reply) => page(req, reply));
  app.get('/g/:gizmo', (req, reply) => page(req, reply, (req.params as { gizmo: string }).gizmo));
  app.get('/c/:cid', (req, reply) => page(req, reply, undefined, (req.params as { cid: string }).cid));
  app.get('/g/:gizmo/c/:cid', (req, reply) => {
    const params = req.params as { gizmo: string; cid: string };
    return page(req, reply, params.gizmo, params.cid);
  });
  app.get('/auth/login', async (_req, reply) =>
    reply
      .type('text/html')
      .send('<html><body><h1>Welcome back</h1><button>Continue with Google</button></body></html>'),
  );

  app.get('/api/auth/session', async (req, reply) => {
    state.count('session');
    const account = cookieAccount(req);
    if (await genericFault('session', reply, account?.name)) return;
    // Signed out: an empty object (no accessToken), as next-auth answers.
    if (signedOut(account)) return reply.header('cache-control', 'no-store').send({});
    const { accessToken, expires } = state.accessTokenOf(account!);
    return reply.header('cache-control', 'no-store').send({
      user: { id: account!.userId, name: account!.name, email: account!.email, image: null, idp: 'auth0' },
      expires,
      accessToken,
      authProvider: 'auth0',
    });
  });

  async function conversationEndpoint(req: FastifyRequest, reply: FastifyReply) {
    state.sendAttempts++;
    const account = await backendAuth(req, reply, 'conversation');
    if (!account) return;
    const body = (req.body ?? {}) as Record<string, any>;
    const first = Array.isArray(body.messages) ? body.messages[0] : undefined;
    const parts: unknown[] = Array.isArray(first?.content?.parts) ? first.content.parts : [];
    const text = parts.filter((p): p is string => typeof p === 'string').join('\n');
    const pointers = parts.filter(
      (p): p is UserPointer => !!p && typeof p === 'object' && typeof (p as any).asset_pointer === 'string',
    );
    const marks = markersOf(text);
    if (marks.rateLimit) return reply.code(429).send({ detail: RATE_LIMIT_DETAIL });
    if (marks.error) return reply.code(500).send({ detail: 'Internal server error' });
    const action = body.action === 'variant' ? 'variant' : 'next';
    const request: SendRequest = {
      action,
      conversationId: typeof body.conversation_id === 'string' ? body.conversation_id : undefined,
      parentMessageId: typeof body.parent_message_id === 'string' ? body.parent_message_id : undefined,
      message:
        action === 'next' && first
          ? {
              id: String(first.id ?? ''),
              text,
              pointers: pointers.map((p) => ({
                asset_pointer: p.asset_pointer,
                width: Number(p.width) || 0,
                height: Number(p.height) || 0,
                size_bytes: Number(p.size_bytes) || 0,
              })),
              attachments: Array.isArray(first.metadata?.attachments) ? first.metadata.attachments : [],
            }
          : undefined,
      gizmoId: body.conversation_mode?.kind === 'gizmo_interaction' ? String(body.conversation_mode.gizmo_id) : null,
      hints: Array.isArray(body.system_hints) ? body.system_hints.map(String) : [],
    };
    const result = state.send(account, request, {
      interrupt: !!faults.take(P, 'conversation', account.name, ['network_drop']),
      stuck: faults.has(P, 'conversation', account.name, 'stuck'),
      imageStuck: faults.has(P, 'image', account.name, 'stuck'),
    });
    if (!result.ok) return reply.code(result.status).send({ detail: result.detail });

    const streamer = new AnswerStreamer(state, result.conversation, result.userNode, result.genNodes, result.created);
    const gens = result.genNodes.map((n) => n.gen!);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'x-conduit-token': 'no-token',
    });
    let open = true;
    res.on('close', () => {
      open = false;
      if (!res.writableFinished) state.abandon(gens);
    });
    const tick = Math.max(15, Math.min(200, Math.round(gens[0].durationMs / 25)));
    while (open) {
      const { frames, cut, done } = streamer.next();
      for (const frame of frames) res.write(frame);
      if (cut) {
        // A network error mid-answer: the connection dies without the stream's end.
        req.raw.socket.destroy();
        return;
      }
      if (done) {
        res.end();
        return;
      }
      await sleep(tick);
    }
  }
  app.post('/backend-api/f/conversation', conversationEndpoint);
  app.post('/backend-api/conversation', conversationEndpoint); // gen 1 path, same answer

  app.get('/backend-api/conversation/:id', async (req, reply) => {
    const account = await backendAuth(req, reply, 'backend');
    if (!account) return;
    const conversation = state.conversations.get((req.params as { id: string }).id);
    if (!conversation || conversation.account !== account.name) {
      return reply.code(404).send({ detail: { code: 'conversation_not_found', message: 'Conversation not found' } });
    }
    return state.conversationJson(conversation);
  });

  app.post('/backend-api/conversation/:id/async-status', async (req, reply) => {
    const account = await backendAuth(req, reply, 'backend');
    if (!account) return;
    const conversation = state.conversations.get((req.params as { id: string }).id);
    if (!conversation || conversation.account !== account.name) return reply.code(404).send({ detail: 'Not found' });
    if (faults.has(P, 'image', account.name, 'stuck')) return { status: 'IN_PROGRESS' };
    return { status: state.asyncStatus(conversation) };
  });

  app.get('/backend-api/conversations', async (req, reply) => {
    const account = await backendAuth(req, reply, 'backend');
    if (!account) return;
    const query = req.query as { offset?: string; limit?: string };
    return state.listConversations(
      account.name,
      Math.max(0, Number(query.offset) || 0),
      Math.min(100, Math.max(1, Number(query.limit) || 28)),
    );
  });

  app.get('/backend-api/my/recent/image_gen', async (req, reply) => {
    const account = await backendAuth(req, reply, 'backend');
    if (!account) return;
    const query = req.query as { limit?: string; after?: string };
    return state.recentImages(account.name, Math.min(100, Math.max(1, Number(query.limit) || 6)), query.after);
  });

  // ---- the upload trio: create, PUT to the blob store, confirm
  app.post('/backend-api/files', async (req, reply) => {
    const account = await backendAuth(req, reply, 'upload');
    if (!account) return;
    const body = (req.body ?? {}) as { file_name?: unknown; file_size?: unknown; use_case?: unknown };
    if (typeof body.file_name !== 'string' || typeof body.file_size !== 'number') {
      return reply.code(422).send({ detail: 'file_name and file_size are required' });
    }
    const file = state.createFile(account.name, body.file_name, body.file_size, 'application/octet-stream');
    return {
      status: 'success',
      file_id: file.id,
      upload_url: `${origins.app}/__blob/${file.id}?sig=${state.sign(`put:${file.id}`)}&se=${Date.now() + 3600_000}`,
    };
  });

  app.put('/__blob/:id', async (req, reply) => {
    state.count('blob');
    const file = state.files.get((req.params as { id: string }).id);
    const sig = (req.query as { sig?: string }).sig;
    if (!file || sig !== state.sign(`put:${file.id}`)) return reply.code(403).send('AuthenticationFailed');
    if (req.headers['x-ms-blob-type'] !== 'BlockBlob') return reply.code(400).send('MissingRequiredHeader');
    if (!Buffer.isBuffer(req.body)) return reply.code(400).send('InvalidInput');
    await sleep(state.timing.uploadMs * speed());
    file.bytes = req.body;
    file.size = req.body.length;
    file.contentType = String(req.headers['content-type'] ?? 'application/octet-stream').split(';')[0];
    return reply.code(201).send();
  });

  app.post('/backend-api/files/:id/uploaded', async (req, reply) => {
    const account = await backendAuth(req, reply, 'upload');
    if (!account) return;
    const file = state.files.get((req.params as { id: string }).id);
    if (!file || file.account !== account.name || !file.bytes) {
      return reply.code(404).send({ detail: 'File not found' });
    }
    file.uploaded = true;
    return { status: 'success', download_url: `${origins.app}${state.estuaryPath(file)}` };
  });

  app.get('/backend-api/files/:id/download', async (req, reply) => {
    const account = await backendAuth(req, reply, 'backend');
    if (!account) return;
    const file = state.files.get((req.params as { id: string }).id);
    if (!file || file.account !== account.name || !state.fileReady(file)) {
      return reply.code(404).send({ detail: 'File not found' });
    }
    return { status: 'success', download_url: `${origins.app}${state.estuaryPath(file)}`, file_name: file.name };
  });

  app.get('/backend-api/conversation/:cid/attachment/:fileId/download', async (req, reply) => {
    const account = await backendAuth(req, reply, 'backend');
    if (!account) return;
    const params = req.params as { cid: string; fileId: string };
    const file = state.files.get(params.fileId);
    if (!file || file.account !== account.name || file.conversationId !== params.cid || !state.fileReady(file)) {
      return reply.code(404).send({ detail: 'File not found' });
    }
    return { status: 'success', download_url: `${origins.app}${state.estuaryPath(file)}`, file_name: file.name };
  });

  // Estuary content: signed URL *and* the session cookie (an in-page fetch with credentials has both).
  app.get('/backend-api/estuary/content', async (req, reply) => {
    state.count('estuary');
    const account = cookieAccount(req);
    if (await genericFault('estuary', reply, account?.name)) return;
    const query = req.query as { id?: string; sig?: string };
    const file = state.files.get(query.id ?? '');
    if (!account || signedOut(account)) return reply.code(403).send({ detail: 'Forbidden' });
    if (!file || query.sig !== state.sign(file.id)) return reply.code(403).send({ detail: 'Invalid signature' });
    if (file.account !== account.name || !state.fileReady(file) || !file.bytes) {
      return reply.code(404).send({ detail: 'Not found' });
    }
    return reply
      .type(file.contentType)
      .header('cache-control', 'private, max-age=300')
      .header('content-disposition', `inline; filename="${file.name}"`)
      .send(file.bytes);
  });
}
