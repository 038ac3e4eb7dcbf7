import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { colourOf, solidPng } from '../common/png.js';

export const SESSION_COOKIE = '__Secure-next-auth.session-token';
export const DEVICE_COOKIE = 'oai-did';
/** The image generation tool's author name in conversation JSON (as seen on chatgpt.com). */
export const IMAGE_TOOL = 't2uay3k.sj1i4kz';
export const NETWORK_ERROR_TEXT =
  'A network error occurred. Please check your connection and try again. If this issue persists please contact us through our help center at help.openai.com.';
export const RATE_LIMIT_DETAIL = 'Too many requests in 1 hour. Try again later.';
export const SOMETHING_WRONG_TEXT =
  'Something went wrong. If this issue persists please contact us through our help center at help.openai.com.';
export const AUTH_DETAIL = 'Could not parse your authentication token. Please try signing in again.';

export interface Gizmo {
  id: string;
  slug: string;
  name: string;
  /** remix: the team's remix-design assistant (answers with a fenced prompt, images for image input). */
  kind: 'remix' | 'plain';
}

/** The original's default custom GPT and a plain one; any other GPT id is "not found". */
export const GIZMOS: Gizmo[] = [
  {
    id: 'g-682b4c8d88848191accff36501109e7e',
    slug: 'wowz-ai-assistant-remix-design',
    name: 'WOWZ AI Assistant Remix Design',
    kind: 'remix',
  },
  { id: 'g-5im0plain0helper00000000000000001', slug: 'plain-helper', name: 'Plain Helper', kind: 'plain' },
];

export interface GptTiming {
  speed: number;
  /** Time an answer takes to stream in, before the speed factor. */
  answerMs: number;
  /** Time an image takes after its answer, before the speed factor. */
  imageMs: number;
  /** Time the blob store takes to accept an upload, before the speed factor. */
  uploadMs: number;
  tokenLifetimeS: number;
}

export interface GptAccount {
  name: string;
  userId: string;
  email: string;
  sessionToken: string;
  deviceId: string;
  accessToken: string;
  accessTokenExp: number; // epoch ms
}

export type GenMode = 'normal' | 'stuck' | 'interrupt';

/** Server-side generation of one assistant or tool message: its content is a function of time. */
export interface Generation {
  kind: 'text' | 'image';
  startedAt: number;
  durationMs: number;
  mode: GenMode;
  text: string;
  fileIds: string[];
  taskId?: string;
  /** A stuck generation whose client went away: no longer counted as running. */
  abandoned: boolean;
}

export interface UserPointer {
  asset_pointer: string;
  width: number;
  height: number;
  size_bytes: number;
}

export interface SimNode {
  id: string;
  parent: string | null;
  children: string[];
  role: 'system' | 'user' | 'assistant' | 'tool';
  createTime: number; // epoch ms
  text?: string;
  pointers?: UserPointer[];
  attachments?: Array<Record<string, unknown>>;
  gen?: Generation;
}

export interface SimConversation {
  id: string;
  account: string;
  gizmoId: string | null;
  title: string;
  createTime: number;
  updateTime: number;
  nodes: Map<string, SimNode>;
  rootId: string;
  currentNode: string;
}

export interface SimFile {
  id: string;
  account: string;
  name: string;
  contentType: string;
  size: number;
  kind: 'upload' | 'generated';
  bytes?: Buffer;
  uploaded: boolean;
  width?: number;
  height?: number;
  conversationId?: string;
  messageId?: string;
  createdAt: number;
}

export interface SendRequest {
  action: 'next' | 'variant';
  conversationId?: string;
  parentMessageId?: string;
  message?: { id: string; text: string; pointers: UserPointer[]; attachments: Array<Record<string, unknown>> };
  gizmoId: string | null;
  hints: string[];
}

export interface SendFaults {
  interrupt: boolean;
  stuck: boolean;
  imageStuck: boolean;
}

export type SendResult =
  | { ok: true; conversation: SimConversation; created: boolean; userNode?: SimNode; genNodes: SimNode[] }
  | { ok: false; status: number; detail: string };

const MARKERS = /\[\[(never_end|network_error|rate_limit|error|image|images:\d|image_stuck|slow|code)\]\]/g;

/** Prompt markers (deterministic faults and features for tests), PROVIDERS.md §5.0. */
export function markersOf(text: string): {
  neverEnd: boolean;
  networkError: boolean;
  rateLimit: boolean;
  error: boolean;
  images: number;
  imageStuck: boolean;
  slow: boolean;
  code: boolean;
} {
  const found = new Set([...text.matchAll(MARKERS)].map((m) => m[1]));
  const many = [...found].find((m) => m.startsWith('images:'));
  return {
    neverEnd: found.has('never_end'),
    networkError: found.has('network_error'),
    rateLimit: found.has('rate_limit'),
    error: found.has('error'),
    images: many ? Math.min(4, Math.max(1, Number(many.split(':')[1]))) : found.has('image') ? 1 : 0,
    imageStuck: found.has('image_stuck'),
    slow: found.has('slow'),
    code: found.has('code'),
  };
}

/** The canned answer: the remix GPT writes its prompt in a fenced block (what /conversation-prompt extracts). */
export function composeReply(
  prompt: string,
  gizmo: Gizmo | undefined,
  imagesIn: number,
): { text: string; images: number } {
  const marks = markersOf(prompt);
  const subject = prompt.replace(MARKERS, '').replace(/\s+/g, ' ').trim() || 'the uploaded design';
  if (gizmo?.kind === 'remix') {
    const source = imagesIn ? ', based on the image you shared' : '';
    return {
      text:
        `Here is a remix design prompt for "${subject}"${source}:\n\n` +
        '```text\n' +
        `${subject}, remixed as a bold vector illustration with a limited colour palette, clean outlines, ` +
        'centered composition, print-ready on a plain background\n```\n\nUse it as is, or tell me what to change.',
      // The remix assistant answers an image with a remixed image.
      images: marks.images || (imagesIn ? 1 : 0),
    };
  }
  const code = marks.code ? "\n\n```js\nconsole.log('hello from the simulator');\n```" : '';
  return {
    text:
      `You said: "${subject}". This answer comes from the ChatGPT simulator; it streams in over time, word by ` +
      `word, like the real one.${imagesIn ? ` I can see ${imagesIn} image(s).` : ''}${code}`,
    images: marks.images,
  };
}

/** ChatGPT's conversation ids are uuid-shaped with their own version nibble (`…-800a-…`). */
export function conversationId(): string {
  const id = randomUUID();
  return `${id.slice(0, 14)}8${id.slice(15)}`;
}

const base62 = (bytes: number) =>
  [...randomBytes(bytes)].map((b) => '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'[b % 62]).join('');

/** One accepted send: a new user message (`next`) or a regenerated answer to an existing one (`variant`). */
export interface ChatgptSubmission {
  conversation_id: string;
  account: string;
  action: 'next' | 'variant';
  prompt: string;
  submittedAt: number;
}

/** Per-account sessions, conversations, generations and files of the chatgpt.com imitation (in memory). */
export class ChatgptState {
  readonly accounts = new Map<string, GptAccount>();
  readonly conversations = new Map<string, SimConversation>();
  readonly files = new Map<string, SimFile>();
  readonly gizmos = new Map(GIZMOS.map((g) => [g.id, g]));
  private readonly runs: Array<{ account: string; gens: Generation[] }> = [];
  private readonly secret = randomBytes(32);
  requests: Record<string, number> = {};
  sendAttempts = 0;
  sends: Record<string, number> = {};
  /** Every accepted send, in order: what a test counts to prove a prompt reached the provider once. */
  submissions: ChatgptSubmission[] = [];
  maxConcurrent: Record<string, number> = {};

  constructor(readonly timing: GptTiming) {
    this.account('default');
  }

  count(endpoint: string): void {
    this.requests[endpoint] = (this.requests[endpoint] ?? 0) + 1;
  }

  // ------------------------------------------------------------ accounts

  account(name: string): GptAccount {
    let account = this.accounts.get(name);
    if (!account) {
      account = {
        name,
        userId: `user-${base62(24)}`,
        email: `${name}@simulator.invalid`,
        sessionToken: `${base62(24)}.${base62(300)}`,
        deviceId: randomUUID(),
        accessToken: '',
        accessTokenExp: 0,
      };
      this.accounts.set(name, account);
    }
    return account;
  }

  bySession(token: string | undefined): GptAccount | undefined {
    if (!token) return undefined;
    for (const account of this.accounts.values()) if (account.sessionToken === token) return account;
    return undefined;
  }

  byAccessToken(token: string | undefined, now = Date.now()): GptAccount | undefined {
    if (!token) return undefined;
    for (const account of this.accounts.values()) {
      if (account.accessToken === token && account.accessTokenExp > now) return account;
    }
    return undefined;
  }

  /** `/api/auth/session`: the current access token, a fresh one when it expired. */
  accessTokenOf(account: GptAccount, now = Date.now()): { accessToken: string; expires: string } {
    if (account.accessTokenExp <= now + 1000) {
      const payload = Buffer.from(JSON.stringify({ sub: account.userId, iat: Math.floor(now / 1000) })).toString(
        'base64url',
      );
      account.accessToken = `eyJhbGciOiJSUzI1NiJ9.${payload}.${base62(43)}`;
      account.accessTokenExp = now + this.timing.tokenLifetimeS * 1000;
    }
    return { accessToken: account.accessToken, expires: new Date(account.accessTokenExp).toISOString() };
  }

  /** `g-<id>` or `g-<id>-<slug>` (a path segment) → the GPT, when it exists. */
  gizmoOf(segment: string | undefined): Gizmo | undefined {
    const id = /^g-[A-Za-z0-9]+/.exec(segment ?? '')?.[0];
    return id ? this.gizmos.get(id) : undefined;
  }

  // ------------------------------------------------------------ files

  createFile(account: string, name: string, size: number, contentType: string): SimFile {
    const file: SimFile = {
      id: `file-${base62(22)}`,
      account,
      name,
      contentType,
      size,
      kind: 'upload',
      uploaded: false,
      createdAt: Date.now(),
    };
    this.files.set(file.id, file);
    return file;
  }

  sign(fileId: string): string {
    return createHmac('sha256', this.secret).update(fileId).digest('hex');
  }

  /** The signed estuary URL of a file (path only: the page resolves it against its origin). */
  estuaryPath(file: SimFile): string {
    const ts = Math.floor(file.createdAt / 1000);
    return `/backend-api/estuary/content?id=${encodeURIComponent(file.id)}&ts=${ts}&p=fs&cid=1&sig=${this.sign(file.id)}&v=0`;
  }

  /** A generated file exists once its image generation has finished. */
  fileReady(file: SimFile, now = Date.now()): boolean {
    if (file.kind === 'upload') return file.uploaded;
    const conversation = file.conversationId ? this.conversations.get(file.conversationId) : undefined;
    const node = file.messageId ? conversation?.nodes.get(file.messageId) : undefined;
    return !!node?.gen && this.status(node.gen, now) === 'finished_successfully';
  }

  // ------------------------------------------------------------ generations

  textAt(gen: Generation, now = Date.now()): string {
    if (gen.kind !== 'text') return '';
    const elapsed = now - gen.startedAt;
    if (elapsed <= 0) return '';
    let fraction = Math.min(1, elapsed / Math.max(1, gen.durationMs));
    // A stuck answer stops part way and never ends; an interrupted one is cut half way.
    if (gen.mode === 'stuck') fraction = Math.min(fraction, 0.4);
    if (gen.mode === 'interrupt') fraction = Math.min(fraction, 0.5);
    return gen.text.slice(0, Math.floor(gen.text.length * fraction));
  }

  status(gen: Generation, now = Date.now()): 'in_progress' | 'finished_successfully' | 'finished_partial_completion' {
    const elapsed = now - gen.startedAt;
    if (gen.mode === 'stuck') return 'in_progress';
    if (gen.mode === 'interrupt' && elapsed >= gen.durationMs * 0.5) return 'finished_partial_completion';
    return elapsed >= gen.durationMs ? 'finished_successfully' : 'in_progress';
  }

  /** When the interruption of a generation happens (the stream is cut there). */
  interruptsAt(gen: Generation): number | undefined {
    return gen.mode === 'interrupt' ? gen.startedAt + gen.durationMs * 0.5 : undefined;
  }

  private active(gen: Generation, now: number): boolean {
    return !gen.abandoned && this.status(gen, now) === 'in_progress';
  }

  /** Runs (sends) of an account still generating now. */
  running(account: string, now = Date.now()): number {
    return this.runs.filter((r) => r.account === account && r.gens.some((g) => this.active(g, now))).length;
  }

  /**
   * The page of a run went away. A normal generation carries on server-side (a reloaded page or the backend still
   * sees it finish); a stuck one is abandoned and no longer counts as running.
   */
  abandon(gens: Generation[]): void {
    for (const gen of gens) if (gen.mode === 'stuck') gen.abandoned = true;
  }

  /**
   * The conversation endpoint's work: checks the request against the account's state, then adds the user message
   * (for `next`) and the assistant message, plus a tool message per image turn. Content then grows with time.
   */
  send(account: GptAccount, request: SendRequest, faults: SendFaults, now = Date.now()): SendResult {
    const gizmo = request.gizmoId ? this.gizmos.get(request.gizmoId) : undefined;
    if (request.gizmoId && !gizmo) return { ok: false, status: 404, detail: 'Gizmo not found' };
    let conversation: SimConversation | undefined;
    let created = false;
    if (request.conversationId) {
      conversation = this.conversations.get(request.conversationId);
      if (!conversation || conversation.account !== account.name) {
        return { ok: false, status: 404, detail: 'Conversation not found' };
      }
    }
    for (const pointer of request.message?.pointers ?? []) {
      const file = this.files.get(pointer.asset_pointer.replace(/^file-service:\/\//, ''));
      if (!file || file.account !== account.name || !file.uploaded) {
        return { ok: false, status: 400, detail: `File not found: ${pointer.asset_pointer}` };
      }
    }
    if (request.action === 'next' && !request.message) return { ok: false, status: 400, detail: 'messages required' };
    if (!conversation) {
      const rootId = randomUUID();
      conversation = {
        id: conversationId(),
        account: account.name,
        gizmoId: gizmo?.id ?? null,
        title: 'New chat',
        createTime: now,
        updateTime: now,
        nodes: new Map([[rootId, { id: rootId, parent: null, children: [], role: 'system', createTime: now }]]),
        rootId,
        currentNode: rootId,
      };
      created = true;
    }

    let userNode: SimNode | undefined;
    let parentId: string;
    let prompt: string;
    let imagesIn: number;
    if (request.action === 'variant') {
      // Regenerate: a new answer to an existing user message (the retry after a network error).
      const target = conversation.nodes.get(request.parentMessageId ?? '');
      if (!target || target.role !== 'user') return { ok: false, status: 404, detail: 'Message not found' };
      parentId = target.id;
      prompt = target.text ?? '';
      imagesIn = target.pointers?.length ?? 0;
    } else {
      const message = request.message!;
      const parent =
        request.parentMessageId && conversation.nodes.has(request.parentMessageId)
          ? request.parentMessageId
          : conversation.currentNode;
      userNode = {
        id: message.id || randomUUID(),
        parent,
        children: [],
        role: 'user',
        createTime: now,
        text: message.text,
        pointers: message.pointers,
        attachments: message.attachments,
      };
      if (conversation.nodes.has(userNode.id)) return { ok: false, status: 409, detail: 'Duplicate message id' };
      conversation.nodes.set(userNode.id, userNode);
      conversation.nodes.get(parent)!.children.push(userNode.id);
      parentId = userNode.id;
      prompt = message.text;
      imagesIn = message.pointers.length;
    }

    const marks = markersOf(prompt);
    const reply = composeReply(prompt, gizmo ?? this.gizmos.get(conversation.gizmoId ?? ''), imagesIn);
    const images = request.hints.includes('picture_v2') ? Math.max(1, reply.images) : reply.images;
    const mode: GenMode =
      faults.stuck || marks.neverEnd ? 'stuck' : faults.interrupt || marks.networkError ? 'interrupt' : 'normal';
    const answerMs = Math.max(40, this.timing.answerMs * this.timing.speed * (marks.slow ? 5 : 1));
    const textGen: Generation = {
      kind: 'text',
      startedAt: now,
      durationMs: answerMs,
      mode,
      text: reply.text,
      fileIds: [],
      abandoned: false,
    };
    const assistant: SimNode = {
      id: randomUUID(),
      parent: parentId,
      children: [],
      role: 'assistant',
      createTime: now,
      gen: textGen,
    };
    conversation.nodes.set(assistant.id, assistant);
    conversation.nodes.get(parentId)!.children.push(assistant.id);
    const genNodes = [assistant];
    if (images > 0 && mode === 'normal') {
      const tool: SimNode = {
        id: randomUUID(),
        parent: assistant.id,
        children: [],
        role: 'tool',
        createTime: now + answerMs,
        gen: {
          kind: 'image',
          startedAt: now + answerMs,
          durationMs: Math.max(40, this.timing.imageMs * this.timing.speed),
          mode: faults.imageStuck || marks.imageStuck ? 'stuck' : 'normal',
          text: '',
          fileIds: [],
          taskId: `task_${base62(20)}`,
          abandoned: false,
        },
      };
      for (let i = 0; i < images; i++) {
        const id = `file_${randomBytes(16).toString('hex')}`;
        const bytes = solidPng(512, 512, colourOf(id));
        const file: SimFile = {
          id,
          account: account.name,
          name: `ChatGPT Image ${i + 1}.png`,
          contentType: 'image/png',
          bytes,
          size: bytes.length,
          kind: 'generated',
          uploaded: true,
          width: 512,
          height: 512,
          conversationId: conversation.id,
          messageId: tool.id,
          createdAt: now,
        };
        this.files.set(file.id, file);
        tool.gen!.fileIds.push(file.id);
      }
      conversation.nodes.set(tool.id, tool);
      assistant.children.push(tool.id);
      genNodes.push(tool);
    }
    conversation.currentNode = genNodes.at(-1)!.id;
    conversation.updateTime = now;
    if (created) {
      conversation.title = prompt.replace(MARKERS, '').trim().split(/\s+/).slice(0, 4).join(' ') || 'Image remix';
      this.conversations.set(conversation.id, conversation);
    }
    const gens = genNodes.map((n) => n.gen!);
    this.runs.push({ account: account.name, gens });
    this.sends[account.name] = (this.sends[account.name] ?? 0) + 1;
    this.submissions.push({
      conversation_id: conversation.id,
      account: account.name,
      action: request.action,
      prompt,
      submittedAt: now,
    });
    this.maxConcurrent[account.name] = Math.max(this.maxConcurrent[account.name] ?? 0, this.running(account.name, now));
    return { ok: true, conversation, created, userNode, genNodes };
  }

  // ------------------------------------------------------------ views

  /** One message as `/backend-api/conversation/{id}` shows it at `now`. */
  message(conversation: SimConversation, node: SimNode, now = Date.now()): Record<string, unknown> | null {
    const base = {
      id: node.id,
      create_time: node.createTime / 1000,
      update_time: null,
      end_turn: null as boolean | null,
      weight: 1,
      recipient: 'all',
      channel: null,
    };
    if (node.role === 'system') return null;
    if (node.role === 'user') {
      const pointers = node.pointers ?? [];
      return {
        ...base,
        author: { role: 'user', name: null, metadata: {} },
        content: pointers.length
          ? {
              content_type: 'multimodal_text',
              parts: [...pointers.map((p) => ({ content_type: 'image_asset_pointer', ...p })), node.text ?? ''],
            }
          : { content_type: 'text', parts: [node.text ?? ''] },
        status: 'finished_successfully',
        metadata: { attachments: node.attachments ?? [], gizmo_id: conversation.gizmoId },
      };
    }
    const gen = node.gen!;
    const status = this.status(gen, now);
    if (gen.kind === 'text') {
      return {
        ...base,
        author: { role: 'assistant', name: null, metadata: {} },
        content: { content_type: 'text', parts: [this.textAt(gen, now)] },
        status,
        end_turn: status === 'finished_successfully' ? true : null,
        metadata: {
          model_slug: 'gpt-4o',
          gizmo_id: conversation.gizmoId,
          is_complete: status === 'finished_successfully',
          ...(status === 'finished_successfully' ? { finish_details: { type: 'stop', stop_tokens: [200002] } } : {}),
          ...(status === 'finished_partial_completion' ? { finish_details: { type: 'interrupted' } } : {}),
        },
      };
    }
    const done = status === 'finished_successfully';
    return {
      ...base,
      create_time: gen.startedAt / 1000,
      author: { role: 'tool', name: IMAGE_TOOL, metadata: {} },
      content: {
        content_type: 'multimodal_text',
        parts: done
          ? gen.fileIds.map((id) => {
              const file = this.files.get(id)!;
              return {
                content_type: 'image_asset_pointer',
                asset_pointer: `sediment://${id}`,
                size_bytes: file.size,
                width: file.width,
                height: file.height,
                fovea: null,
                metadata: {
                  dalle: { gen_id: id.slice(5, 21), prompt: '', seed: null, serialization_title: 'DALL-E generation' },
                  generation: { gen_id: id.slice(5, 21), gen_size: 'image', width: file.width, height: file.height },
                },
              };
            })
          : [],
      },
      status,
      metadata: {
        image_gen_async: true,
        image_gen_task_id: gen.taskId,
        async_task_type: 'image_gen',
        image_gen_title: conversation.title,
        gizmo_id: conversation.gizmoId,
      },
    };
  }

  /** Nodes that exist at `now` (a tool message appears when its image generation starts). */
  private visible(node: SimNode, now: number): boolean {
    return !node.gen || node.gen.kind === 'text' || node.gen.startedAt <= now;
  }

  /** `GET /backend-api/conversation/{id}`. */
  conversationJson(conversation: SimConversation, now = Date.now()): Record<string, unknown> {
    const mapping: Record<string, unknown> = {};
    for (const node of conversation.nodes.values()) {
      if (!this.visible(node, now)) continue;
      mapping[node.id] = {
        id: node.id,
        message: this.message(conversation, node, now),
        parent: node.parent,
        children: node.children.filter((id) => this.visible(conversation.nodes.get(id)!, now)),
      };
    }
    let current = conversation.currentNode;
    while (!this.visible(conversation.nodes.get(current)!, now)) current = conversation.nodes.get(current)!.parent!;
    return {
      title: conversation.title,
      create_time: conversation.createTime / 1000,
      update_time: conversation.updateTime / 1000,
      mapping,
      moderation_results: [],
      current_node: current,
      conversation_id: conversation.id,
      id: conversation.id,
      gizmo_id: conversation.gizmoId,
      is_archived: false,
      safe_urls: [],
      default_model_slug: 'gpt-4o',
    };
  }

  /** `async-status`: OK once every image generation of the conversation has finished. */
  asyncStatus(conversation: SimConversation, now = Date.now()): 'OK' | 'IN_PROGRESS' {
    for (const node of conversation.nodes.values()) {
      if (node.gen?.kind === 'image' && this.status(node.gen, now) !== 'finished_successfully') return 'IN_PROGRESS';
    }
    return 'OK';
  }

  listConversations(account: string, offset: number, limit: number) {
    const all = [...this.conversations.values()]
      .filter((c) => c.account === account)
      .sort((a, b) => b.updateTime - a.updateTime);
    return {
      items: all.slice(offset, offset + limit).map((c) => ({
        id: c.id,
        title: c.title,
        create_time: new Date(c.createTime).toISOString(),
        update_time: new Date(c.updateTime).toISOString(),
        gizmo_id: c.gizmoId,
        is_archived: false,
        mapping: null,
        current_node: null,
      })),
      total: all.length,
      limit,
      offset,
      has_missing_conversations: false,
    };
  }

  /** `/backend-api/my/recent/image_gen`: finished generated images, newest first, cursor paging. */
  recentImages(account: string, limit: number, cursor: string | undefined, now = Date.now()) {
    const all = [...this.files.values()]
      .filter((f) => f.account === account && f.kind === 'generated' && this.fileReady(f, now))
      .sort((a, b) => b.createdAt - a.createdAt || a.id.localeCompare(b.id));
    const start = cursor ? Number(Buffer.from(cursor, 'base64url').toString()) || 0 : 0;
    const page = all.slice(start, start + limit);
    return {
      items: page.map((f) => ({
        id: `gen_${f.id.slice(5, 21)}`,
        conversation_id: f.conversationId,
        message_id: f.messageId,
        asset_pointer: `sediment://${f.id}`,
        url: this.estuaryPath(f),
        title: this.conversations.get(f.conversationId ?? '')?.title ?? null,
        width: f.width,
        height: f.height,
        created_at: f.createdAt / 1000,
        transformation_id: null,
      })),
      cursor: start + limit < all.length ? Buffer.from(String(start + limit)).toString('base64url') : null,
    };
  }

  stats(now = Date.now()) {
    const running: Record<string, number> = {};
    for (const name of this.accounts.keys()) running[name] = this.running(name, now);
    return {
      sendAttempts: this.sendAttempts,
      sends: this.sends,
      submissions: this.submissions,
      running,
      maxConcurrent: this.maxConcurrent,
      conversations: this.conversations.size,
      uploads: [...this.files.values()].filter((f) => f.kind === 'upload' && f.uploaded).length,
      generatedImages: [...this.files.values()].filter((f) => f.kind === 'generated' && this.fileReady(f, now)).length,
      requests: this.requests,
    };
  }

  /** Forgets conversations, files and counters (accounts and their sessions stay). */
  reset(): void {
    for (const run of this.runs) for (const gen of run.gens) gen.abandoned = true;
    this.runs.length = 0;
    this.conversations.clear();
    this.files.clear();
    this.requests = {};
    this.sendAttempts = 0;
    this.sends = {};
    this.submissions = [];
    this.maxConcurrent = {};
  }
}
