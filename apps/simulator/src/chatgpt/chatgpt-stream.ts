import type { ChatgptState, SimConversation, SimNode } from './chatgpt-state.js';

/** One server-sent event block. */
export function sse(data: unknown, event?: string): string {
  return `${event ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
}

/**
 * Writes one answer in chatgpt.com's gen-2 delta encoding (PROVIDERS.md §4.6): `delta_encoding`, an `add` of each
 * whole message, text appended at `/message/content/parts/0` (later frames carry only `v`), a `patch` that finishes
 * the message, then typed frames and `[DONE]`. The content comes from the server-side generation, so a client that
 * disconnects and reloads sees the same answer.
 */
export class AnswerStreamer {
  private phase: 'start' | 'text' | 'tools' | 'done' = 'start';
  private sent = 0;
  private appended = false;
  private counter = 0;

  constructor(
    private readonly state: ChatgptState,
    private readonly conversation: SimConversation,
    private readonly userNode: SimNode | undefined,
    private readonly genNodes: SimNode[],
    private readonly created: boolean,
  ) {}

  private add(node: SimNode, now: number): string {
    const message = this.state.message(this.conversation, node, now);
    const v = {
      message: node.gen?.kind === 'text' ? { ...message, content: { content_type: 'text', parts: [''] } } : message,
      conversation_id: this.conversation.id,
      error: null,
    };
    return sse({ p: '', o: 'add', v, c: this.counter++ }, 'delta');
  }

  /** Frames due at `now`; `cut` asks the caller to drop the connection (a network error mid-answer). */
  next(now = Date.now()): { frames: string[]; cut: boolean; done: boolean } {
    const frames: string[] = [];
    const [assistant, ...tools] = this.genNodes;
    if (this.phase === 'start') {
      frames.push(sse('"v1"', 'delta_encoding')); // a JSON string, as chatgpt.com sends it
      if (this.userNode) frames.push(this.add(this.userNode, now));
      frames.push(this.add(assistant, now));
      this.phase = 'text';
    }
    if (this.phase === 'text') {
      const gen = assistant.gen!;
      const text = this.state.textAt(gen, now);
      if (text.length > this.sent) {
        const chunk = text.slice(this.sent);
        frames.push(
          sse(this.appended ? { v: chunk } : { p: '/message/content/parts/0', o: 'append', v: chunk }, 'delta'),
        );
        this.appended = true;
        this.sent = text.length;
      }
      const status = this.state.status(gen, now);
      if (status === 'finished_partial_completion') return { frames, cut: true, done: false };
      if (status !== 'finished_successfully') return { frames, cut: false, done: false };
      frames.push(
        sse(
          {
            p: '',
            o: 'patch',
            v: [
              { p: '/message/status', o: 'replace', v: 'finished_successfully' },
              { p: '/message/end_turn', o: 'replace', v: true },
              { p: '/message/metadata', o: 'append', v: { is_complete: true, finish_details: { type: 'stop' } } },
            ],
          },
          'delta',
        ),
      );
      this.phase = 'tools';
    }
    if (this.phase === 'tools') {
      // Image turns finish asynchronously: the stream only announces them (the page polls async-status).
      for (const tool of tools) frames.push(this.add(tool, Math.max(now, tool.gen!.startedAt)));
      frames.push(sse({ type: 'message_stream_complete', conversation_id: this.conversation.id }));
      frames.push(
        sse({
          type: 'conversation_detail_metadata',
          limits_progress: [{ feature_name: 'deep_research', remaining: 5, reset_after: null }],
          conversation_id: this.conversation.id,
        }),
      );
      if (this.created) {
        frames.push(
          sse({ type: 'title_generation', title: this.conversation.title, conversation_id: this.conversation.id }),
        );
      }
      frames.push(sse('[DONE]'));
      this.phase = 'done';
    }
    return { frames, cut: false, done: this.phase === 'done' };
  }
}

export interface DeltaDecoder {
  /** The message being streamed, wrapped as `{message, conversation_id}`. */
  envelope: any;
  lastPath: string | null;
  lastOp: string | null;
  conversationId: string | null;
  /** Every message added by the stream, in order (kept up to date by later frames). */
  messages: any[];
  /** Typed frames (`message_stream_complete`, `title_generation`, …). */
  events: any[];
  done: boolean;
}

export function newDeltaDecoder(): DeltaDecoder {
  return { envelope: null, lastPath: null, lastOp: null, conversationId: null, messages: [], events: [], done: false };
}

/**
 * Applies one event of a gen-2 delta stream. Self-contained on purpose: the page inlines its source, so the page
 * and the unit specs run the same decoder.
 */
export function applyDeltaEvent(st: DeltaDecoder, event: string | null, dataText: string): void {
  function setPath(root: any, path: string, op: string, value: any): any {
    const keys = path
      .split('/')
      .slice(1)
      .map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'));
    if (keys.length === 0) {
      return op === 'append' && root && typeof root === 'object' ? Object.assign(root, value) : value;
    }
    let target = root;
    for (const key of keys.slice(0, -1)) {
      if (target[key] === undefined || target[key] === null) target[key] = {};
      target = target[key];
    }
    const last = keys[keys.length - 1];
    if (op === 'append') {
      const current = target[last];
      if (typeof current === 'string') target[last] = current + String(value);
      else if (Array.isArray(current)) target[last] = current.concat(value);
      else if (current && typeof current === 'object') Object.assign(current, value);
      else target[last] = value;
    } else if (op === 'remove') {
      delete target[last];
    } else {
      target[last] = value;
    }
    return root;
  }
  if (dataText === '[DONE]') {
    st.done = true;
    return;
  }
  let data: any;
  try {
    data = JSON.parse(dataText);
  } catch {
    return;
  }
  if (event === 'delta_encoding') return;
  if (event === 'delta') {
    const path = typeof data.p === 'string' ? data.p : st.lastPath;
    const op = typeof data.o === 'string' ? data.o : st.lastOp;
    st.lastPath = path;
    st.lastOp = op;
    if (op === 'patch' && Array.isArray(data.v)) {
      for (const sub of data.v) st.envelope = setPath(st.envelope, sub.p, sub.o, sub.v);
    } else if (path === '' && op === 'add') {
      st.envelope = data.v;
      if (data.v && data.v.message) st.messages.push(data.v.message);
      if (data.v && data.v.conversation_id) st.conversationId = data.v.conversation_id;
    } else if (path !== null && op !== null) {
      st.envelope = setPath(st.envelope, path, op, data.v);
    }
    return;
  }
  if (data && typeof data === 'object') {
    st.events.push(data);
    if (data.conversation_id && !st.conversationId) st.conversationId = data.conversation_id;
  }
}

/** Splits a chunk of SSE text into events; returns the unfinished rest. Self-contained (inlined into the page). */
export function splitSse(buffer: string): { events: Array<{ event: string | null; data: string }>; rest: string } {
  const events: Array<{ event: string | null; data: string }> = [];
  let rest = buffer.replace(/\r\n/g, '\n');
  let end = rest.indexOf('\n\n');
  while (end >= 0) {
    const block = rest.slice(0, end);
    rest = rest.slice(end + 2);
    let event: string | null = null;
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    if (data.length) events.push({ event, data: data.join('\n') });
    end = rest.indexOf('\n\n');
  }
  return { events, rest };
}
