import { ProviderException, type ChatgptCodeBlock, type ProviderErrorCode } from '@app/contracts';

/** The parts of `GET /backend-api/conversation/{id}` the adapter reads (PROVIDERS.md §4.6). */
export interface ConversationMessage {
  id: string;
  author: { role: string; name?: string | null };
  content: { content_type: string; parts?: unknown[]; text?: string };
  status?: string;
  create_time?: number | null;
  end_turn?: boolean | null;
  recipient?: string;
  metadata?: Record<string, unknown>;
}

export interface ConversationNode {
  id: string;
  message: ConversationMessage | null;
  parent: string | null;
  children: string[];
}

export interface ConversationJson {
  mapping: Record<string, ConversationNode>;
  current_node: string;
  conversation_id?: string;
  title?: string;
}

/** The active branch, root first: from `current_node` up through the parents (regenerated answers are siblings). */
export function branchOf(conversation: ConversationJson): ConversationNode[] {
  const branch: ConversationNode[] = [];
  const seen = new Set<string>();
  for (let id: string | null = conversation.current_node; id && !seen.has(id);) {
    seen.add(id);
    const node: ConversationNode | undefined = conversation.mapping[id];
    if (!node) break;
    branch.unshift(node);
    id = node.parent;
  }
  return branch;
}

/** The text a message shows (string parts; `text` content of older shapes). */
export function textOf(message: ConversationMessage): string {
  if (typeof message.content.text === 'string') return message.content.text;
  return (message.content.parts ?? []).filter((p): p is string => typeof p === 'string').join('\n');
}

/** Image pointers of a message (`file-service://…`, `sediment://…`). */
export function pointersOf(message: ConversationMessage): string[] {
  return (message.content.parts ?? []).flatMap((p) => {
    const pointer = (p as { asset_pointer?: unknown } | null)?.asset_pointer;
    return typeof pointer === 'string' ? [pointer] : [];
  });
}

/**
 * Fenced code blocks of a markdown answer (``` or ~~~, optional language). An unterminated fence (an answer still
 * streaming or cut off) is not a block yet.
 */
export function parseCodeBlocks(text: string): ChatgptCodeBlock[] {
  const blocks: ChatgptCodeBlock[] = [];
  let open: { fence: string; language: string | null; lines: string[] } | null = null;
  for (const line of text.split(/\r?\n/)) {
    if (!open) {
      const start = /^ {0,3}(`{3,}|~{3,})\s*([^`\s]*)[^`]*$/.exec(line);
      if (start) open = { fence: start[1], language: start[2] || null, lines: [] };
      continue;
    }
    const close = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(line);
    if (close && close[1][0] === open.fence[0] && close[1].length >= open.fence.length) {
      blocks.push({ language: open.language, code: open.lines.join('\n') });
      open = null;
    } else open.lines.push(line);
  }
  return blocks;
}

const isVisibleAnswer = (m: ConversationMessage) =>
  m.author.role === 'assistant' &&
  (m.recipient === undefined || m.recipient === 'all') &&
  ['text', 'multimodal_text'].includes(m.content.content_type);

const finishType = (m: ConversationMessage) =>
  (m.metadata?.finish_details as { type?: string } | undefined)?.type ?? undefined;

/** The answer stopped half way because the connection (or the provider) failed, not because it was done. */
const interrupted = (m: ConversationMessage) =>
  finishType(m) === 'interrupted' || (m.status === 'finished_partial_completion' && finishType(m) !== 'max_tokens');

/** An image turn still being generated (it finishes after the stream: `async-status`). */
const pendingImage = (m: ConversationMessage) =>
  (m.metadata?.image_gen_async === true || typeof m.metadata?.image_gen_task_id === 'string') &&
  (m.status !== 'finished_successfully' || pointersOf(m).length === 0);

export interface RunAnalysis {
  state: 'missing' | 'running' | 'interrupted' | 'completed';
  userMessageId: string | null;
  assistantMessageId: string | null;
  text: string;
  outputPointers: string[];
  inputPointers: string[];
  pendingImages: boolean;
}

/**
 * One run = our user message and what follows it on the active branch up to the next user message. Images sent
 * with the prompt are inputs; only images of later messages are outputs (the original mixed them up, §1.7 #16).
 */
export function analyzeRun(
  conversation: ConversationJson,
  options: { userMessageId?: string | null; sinceMs?: number } = {},
): RunAnalysis {
  const branch = branchOf(conversation);
  const isUser = (n: ConversationNode) => n.message?.author.role === 'user';
  let index = options.userMessageId ? branch.findIndex((n) => n.id === options.userMessageId) : -1;
  if (index < 0 && !options.userMessageId) {
    // Without the id (the page's request was not seen): the newest user message sent after the run began.
    const since = (options.sinceMs ?? 0) / 1000 - 60;
    for (let i = branch.length - 1; i >= 0; i--) {
      if (isUser(branch[i]) && (branch[i].message?.create_time ?? Infinity) >= since) {
        index = i;
        break;
      }
    }
  }
  const empty: RunAnalysis = {
    state: 'missing',
    userMessageId: null,
    assistantMessageId: null,
    text: '',
    outputPointers: [],
    inputPointers: [],
    pendingImages: false,
  };
  if (index < 0) return empty;
  const user = branch[index].message!;
  const after: ConversationMessage[] = [];
  for (const node of branch.slice(index + 1)) {
    if (isUser(node)) break;
    if (node.message) after.push(node.message);
  }
  const answers = after.filter(isVisibleAnswer);
  const text = answers
    .map(textOf)
    .filter((t) => t.length > 0)
    .join('\n\n');
  const outputs = [...new Set(after.filter((m) => m.author.role !== 'user').flatMap(pointersOf))];
  const pendingImages = after.some(pendingImage);
  const base = {
    userMessageId: user.id,
    assistantMessageId: answers.at(-1)?.id ?? null,
    text,
    outputPointers: outputs,
    inputPointers: pointersOf(user),
    pendingImages,
  };
  if (after.some(interrupted)) return { ...base, state: 'interrupted' };
  const last = after.at(-1);
  // Done when nothing is in progress and the last message ends the turn: an answer, or an image turn with its
  // images (an assistant's call to a tool alone is not an end).
  const finished =
    !!last &&
    !pendingImages &&
    after.every((m) => m.status === undefined || m.status === 'finished_successfully') &&
    (isVisibleAnswer(last) || pointersOf(last).length > 0 || last.end_turn === true);
  return { ...base, state: finished ? 'completed' : 'running' };
}

/**
 * The first fenced block of a conversation (the original `/conversation-prompt`): assistant answers first, in
 * order along the active branch; then any message (a block the user pasted) as the original did.
 */
export function firstCodeBlock(conversation: ConversationJson): {
  found: boolean;
  nodeId: string | null;
  prompt: string;
  language: string | null;
  checkedNodes: string[];
} {
  const messages = branchOf(conversation).filter((n) => n.message && n.message.author.role !== 'system');
  const checkedNodes: string[] = [];
  const passes = [messages.filter((n) => n.message!.author.role === 'assistant'), messages];
  for (const nodes of passes) {
    for (const node of nodes) {
      if (!checkedNodes.includes(node.id)) checkedNodes.push(node.id);
      const block = parseCodeBlocks(textOf(node.message!))[0];
      if (block) return { found: true, nodeId: node.id, prompt: block.code, language: block.language, checkedNodes };
    }
  }
  return { found: false, nodeId: null, prompt: '', language: null, checkedNodes };
}

/** Error texts chatgpt.com shows in the thread or a toast (PROVIDERS.md §4.7), mapped to our codes. */
const PAGE_ERRORS: Array<[RegExp, ProviderErrorCode]> = [
  [/network error/i, 'NETWORK_ERROR'],
  [
    /too many requests|processing too many|reached (?:our|the|your) (?:limit|usage cap)|hit (?:your|the) limit|rate limit/i,
    'RATE_LIMITED',
  ],
  [
    /inaccessible or not found|gpt not found|gizmo not found|unable to load conversation|conversation not found/i,
    'GPT_NOT_FOUND',
  ],
  [/session has expired|log ?in again|sign ?in again|authentication token/i, 'SIGNED_OUT'],
  [/just a moment|verify you are human|unusual activity/i, 'CHALLENGE'],
  [/at capacity|something went wrong|error (?:in|generating)|an error occurred|upload failed/i, 'PROVIDER_ERROR'],
];

/** Classifies an error text; null for text that is no known error. */
export function classifyPageError(text: string): ProviderException | null {
  for (const [pattern, code] of PAGE_ERRORS) {
    if (pattern.test(text)) return new ProviderException(code, `ChatGPT: ${text.trim().slice(0, 300)}`);
  }
  return null;
}

/** Whitespace-insensitive form of a prompt (what the page sends back may wrap or collapse lines). */
export function comparableText(text: string): string {
  return text.replace(/[\u00a0\s]+/g, ' ').trim();
}
