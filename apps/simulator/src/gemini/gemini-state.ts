import { createHash, randomBytes } from 'node:crypto';

/** Google's session cookie (the simulator checks only this one). */
export const GEMINI_SESSION_COOKIE = '__Secure-1PSID';

export type GeminiLanguage = 'en' | 'vi';
/** How the account stands with the video tool: usable, offered but refused ("not available"), or not offered. */
export type VideoAccess = 'ok' | 'refused' | 'hidden';

export interface GeminiTiming {
  speed: number;
  /** Render time of a video, before the speed factor. */
  renderMs: number;
  /** Time the page takes to upload a start image, before the speed factor. */
  uploadMs: number;
}

export interface GeminiAccount {
  name: string;
  sid: string;
  language: GeminiLanguage;
  video: VideoAccess;
}

/** What the answer turns into when its time has come. */
export type ChatOutcome = 'video' | 'text' | 'refused' | 'rejected' | 'quota' | 'stuck';

export interface GeminiChat {
  id: string;
  account: string;
  prompt: string;
  /** The video tool was chosen for the message. */
  videoTool: boolean;
  image: { type: string; size: number } | null;
  startedAt: number;
  renderMs: number;
  outcome: ChatOutcome;
  videoRequests: number;
  /** Video requests made by the download button (as an attachment). */
  downloads: number;
}

/** A chat as the page shows it now. */
export interface ChatView {
  id: string;
  prompt: string;
  withImage: boolean;
  state: 'generating' | ChatOutcome;
  videoUrl: string | null;
}

/** The gemini.google.com stand-in's server side: accounts, chats whose answer is a function of time, and videos. */
export class GeminiState {
  readonly accounts = new Map<string, GeminiAccount>();
  readonly chats = new Map<string, GeminiChat>();
  generates = 0;
  readonly requests: Record<string, number> = {};

  constructor(readonly timing: GeminiTiming) {}

  account(name: string, options: { language?: GeminiLanguage; video?: VideoAccess } = {}): GeminiAccount {
    let account = this.accounts.get(name);
    if (!account) {
      account = { name, sid: randomBytes(24).toString('base64url'), language: 'en', video: 'ok' };
      this.accounts.set(name, account);
    }
    if (options.language) account.language = options.language;
    if (options.video) account.video = options.video;
    return account;
  }

  bySession(sid: string | undefined): GeminiAccount | undefined {
    if (!sid) return undefined;
    return [...this.accounts.values()].find((a) => a.sid === sid);
  }

  count(endpoint: string): void {
    this.requests[endpoint] = (this.requests[endpoint] ?? 0) + 1;
  }

  /** One sent message: a new chat whose answer depends on the tool, the account and the armed faults. */
  create(
    account: GeminiAccount,
    message: { prompt: string; videoTool: boolean; image: { type: string; size: number } | null },
    faults: { stuck: boolean; rejected: boolean; quota: boolean },
  ): GeminiChat {
    this.generates++;
    const outcome: ChatOutcome = !message.videoTool
      ? 'text'
      : account.video !== 'ok'
        ? 'refused'
        : faults.quota
          ? 'quota'
          : faults.rejected
            ? 'rejected'
            : faults.stuck
              ? 'stuck'
              : 'video';
    const chat: GeminiChat = {
      id: randomBytes(8).toString('hex'),
      account: account.name,
      prompt: message.prompt,
      videoTool: message.videoTool,
      image: message.image,
      startedAt: Date.now(),
      // Answers that are no video come back quickly, as on the site.
      renderMs: Math.round(
        (outcome === 'video' ? this.timing.renderMs : this.timing.renderMs / 10) * this.timing.speed,
      ),
      outcome,
      videoRequests: 0,
      downloads: 0,
    };
    this.chats.set(chat.id, chat);
    return chat;
  }

  view(chat: GeminiChat, now = Date.now()): ChatView {
    const ready = chat.outcome !== 'stuck' && now - chat.startedAt >= chat.renderMs;
    return {
      id: chat.id,
      prompt: chat.prompt,
      withImage: !!chat.image,
      state: ready ? chat.outcome : 'generating',
      videoUrl: ready && chat.outcome === 'video' ? `/_/gemini/video/${chat.id}.mp4` : null,
    };
  }

  /**
   * The chat's video: an MP4 header (`ftyp`) and an `mdat` box whose bytes follow from the chat (id and prompt), so
   * a test can tell which chat a stored file came from.
   */
  videoBytes(chat: GeminiChat): Buffer {
    const seed = createHash('sha256').update(`${chat.id}\n${chat.prompt}`).digest();
    const ftyp = Buffer.concat([u32(24), Buffer.from('ftypisom'), u32(0x200), Buffer.from('isomavc1')]);
    const payload = Buffer.concat(Array.from({ length: 128 }, () => seed));
    const mdat = Buffer.concat([u32(8 + payload.length), Buffer.from('mdat'), payload]);
    return Buffer.concat([ftyp, mdat]);
  }

  stats() {
    const now = Date.now();
    return {
      generates: this.generates,
      requests: { ...this.requests },
      chats: [...this.chats.values()].map((c) => ({
        id: c.id,
        account: c.account,
        prompt: c.prompt,
        startedAt: c.startedAt,
        // When the page's backend starts answering with the video (the bench's zero for detection delays).
        completesAt: c.outcome === 'stuck' ? null : c.startedAt + c.renderMs,
        videoTool: c.videoTool,
        image: c.image,
        outcome: c.outcome,
        state: this.view(c, now).state,
        videoRequests: c.videoRequests,
        downloads: c.downloads,
      })),
    };
  }

  reset(): void {
    this.chats.clear();
    this.generates = 0;
    for (const key of Object.keys(this.requests)) delete this.requests[key];
    for (const account of this.accounts.values()) {
      account.video = 'ok';
      account.language = 'en';
    }
  }
}

function u32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(value);
  return b;
}
