import { describe, expect, it } from 'vitest';
import {
  analyzeRun,
  branchOf,
  classifyPageError,
  comparableText,
  firstCodeBlock,
  parseCodeBlocks,
  type ConversationJson,
  type ConversationMessage,
} from './conversation.js';

type Spec = Partial<ConversationMessage> & { id: string; role: string; parent: string | null; text?: string };

/** Builds conversation JSON from a list of messages; the last one is the current node unless said otherwise. */
function conversation(specs: Spec[], current?: string): ConversationJson {
  const mapping: ConversationJson['mapping'] = {
    root: { id: 'root', message: null, parent: null, children: [] },
  };
  for (const { id, role, parent, text, content, ...rest } of specs) {
    mapping[id] = {
      id,
      parent: parent ?? 'root',
      children: [],
      message: {
        id,
        author: { role },
        content: content ?? { content_type: 'text', parts: [text ?? ''] },
        status: 'finished_successfully',
        create_time: 1000,
        ...rest,
      },
    };
    mapping[parent ?? 'root'].children.push(id);
  }
  return { mapping, current_node: current ?? specs.at(-1)!.id };
}

const image = (pointer: string) => ({ content_type: 'image_asset_pointer', asset_pointer: pointer, width: 512 });

describe('parseCodeBlocks', () => {
  it('reads fenced blocks with and without a language, backticks and tildes', () => {
    const text = 'Intro\n\n```json\n{"a": 1}\n```\nmiddle\n~~~\nplain\n  two\n~~~\n````md\n```inner```\n````';
    expect(parseCodeBlocks(text)).toEqual([
      { language: 'json', code: '{"a": 1}' },
      { language: null, code: 'plain\n  two' },
      { language: 'md', code: '```inner```' },
    ]);
  });

  it('leaves out a fence that is still open (an answer cut off or streaming)', () => {
    expect(parseCodeBlocks('done:\n```text\nfirst\n```\nnext:\n```text\nhalf a pro')).toEqual([
      { language: 'text', code: 'first' },
    ]);
    expect(parseCodeBlocks('no code at all, only `inline` code')).toEqual([]);
  });
});

describe('branchOf', () => {
  it('follows the current node up, so a regenerated answer replaces the failed one', () => {
    const c = conversation(
      [
        { id: 'u1', role: 'user', parent: null, text: 'hi' },
        { id: 'a1', role: 'assistant', parent: 'u1', text: 'cut' },
        { id: 'a2', role: 'assistant', parent: 'u1', text: 'full answer' },
      ],
      'a2',
    );
    expect(branchOf(c).map((n) => n.id)).toEqual(['root', 'u1', 'a2']);
  });
});

describe('analyzeRun', () => {
  it('is running while the answer streams, with the partial text', () => {
    const c = conversation([
      { id: 'u1', role: 'user', parent: null, text: 'hello' },
      { id: 'a1', role: 'assistant', parent: 'u1', text: 'Hel', status: 'in_progress' },
    ]);
    expect(analyzeRun(c, { userMessageId: 'u1' })).toMatchObject({ state: 'running', text: 'Hel' });
  });

  it('is running before the answer exists, and missing when the user message is not there', () => {
    const c = conversation([{ id: 'u1', role: 'user', parent: null, text: 'hello' }]);
    expect(analyzeRun(c, { userMessageId: 'u1' }).state).toBe('running');
    expect(analyzeRun(c, { userMessageId: 'other' }).state).toBe('missing');
  });

  it('completes a text answer and keeps only what follows our message', () => {
    const c = conversation([
      { id: 'u0', role: 'user', parent: null, text: 'earlier' },
      { id: 'a0', role: 'assistant', parent: 'u0', text: 'earlier answer' },
      { id: 'u1', role: 'user', parent: 'a0', text: 'now' },
      { id: 'a1', role: 'assistant', parent: 'u1', text: 'the answer', end_turn: true },
    ]);
    expect(analyzeRun(c, { userMessageId: 'u1' })).toEqual({
      state: 'completed',
      userMessageId: 'u1',
      assistantMessageId: 'a1',
      text: 'the answer',
      outputPointers: [],
      inputPointers: [],
      pendingImages: false,
    });
    // An older run of the same conversation ends at the next user message.
    expect(analyzeRun(c, { userMessageId: 'u0' })).toMatchObject({ state: 'completed', text: 'earlier answer' });
  });

  it('separates the uploaded input image from generated outputs, and waits for async image turns', () => {
    const specs: Spec[] = [
      {
        id: 'u1',
        role: 'user',
        parent: null,
        content: { content_type: 'multimodal_text', parts: [image('file-service://file-IN'), 'remix this'] },
      },
      { id: 'a1', role: 'assistant', parent: 'u1', text: 'Here you go' },
      {
        id: 't1',
        role: 'tool',
        parent: 'a1',
        status: 'in_progress',
        content: { content_type: 'multimodal_text', parts: [] },
        metadata: { image_gen_async: true, image_gen_task_id: 'task_1' },
      },
    ];
    const pending = analyzeRun(conversation(specs), { userMessageId: 'u1' });
    expect(pending).toMatchObject({ state: 'running', pendingImages: true, inputPointers: ['file-service://file-IN'] });

    specs[2] = {
      ...specs[2],
      status: 'finished_successfully',
      content: { content_type: 'multimodal_text', parts: [image('sediment://file_A'), image('sediment://file_B')] },
    };
    expect(analyzeRun(conversation(specs), { userMessageId: 'u1' })).toMatchObject({
      state: 'completed',
      text: 'Here you go',
      outputPointers: ['sediment://file_A', 'sediment://file_B'],
      inputPointers: ['file-service://file-IN'],
    });
  });

  it('does not take a call to a tool for the end of the turn', () => {
    const c = conversation([
      { id: 'u1', role: 'user', parent: null, text: 'draw a cat' },
      {
        id: 'a1',
        role: 'assistant',
        parent: 'u1',
        recipient: 't2uay3k.sj1i4kz',
        content: { content_type: 'code', parts: undefined, text: '{"prompt":"a cat"}' },
      },
    ]);
    expect(analyzeRun(c, { userMessageId: 'u1' }).state).toBe('running');
  });

  it('reports an interrupted answer, and the regenerated one once it is current', () => {
    const specs: Spec[] = [
      { id: 'u1', role: 'user', parent: null, text: 'hello' },
      {
        id: 'a1',
        role: 'assistant',
        parent: 'u1',
        text: 'Hal',
        status: 'finished_partial_completion',
        metadata: { finish_details: { type: 'interrupted' } },
      },
    ];
    expect(analyzeRun(conversation(specs), { userMessageId: 'u1' }).state).toBe('interrupted');
    const retried = conversation([...specs, { id: 'a2', role: 'assistant', parent: 'u1', text: 'Hello!' }], 'a2');
    expect(analyzeRun(retried, { userMessageId: 'u1' })).toMatchObject({ state: 'completed', text: 'Hello!' });
    // A long answer that stopped at the token limit is complete, not interrupted.
    const long = conversation([
      { id: 'u1', role: 'user', parent: null, text: 'hello' },
      {
        id: 'a1',
        role: 'assistant',
        parent: 'u1',
        text: 'very long',
        status: 'finished_partial_completion',
        metadata: { finish_details: { type: 'max_tokens' } },
      },
    ]);
    expect(analyzeRun(long, { userMessageId: 'u1' }).state).not.toBe('interrupted');
  });

  it('finds the run by time when the user message id is unknown', () => {
    const c = conversation([
      { id: 'u0', role: 'user', parent: null, text: 'old', create_time: 100 },
      { id: 'a0', role: 'assistant', parent: 'u0', text: 'old answer', create_time: 101 },
      { id: 'u1', role: 'user', parent: 'a0', text: 'new', create_time: 5000 },
      { id: 'a1', role: 'assistant', parent: 'u1', text: 'new answer', create_time: 5001 },
    ]);
    expect(analyzeRun(c, { sinceMs: 5_000_000 })).toMatchObject({ userMessageId: 'u1', text: 'new answer' });
    expect(analyzeRun(c, { sinceMs: 9_000_000 }).state).toBe('missing');
  });
});

describe('firstCodeBlock', () => {
  it('takes the first block of an assistant answer, then of any message, and lists what it checked', () => {
    const c = conversation([
      { id: 'u1', role: 'user', parent: null, text: 'use ```\nmine\n``` please' },
      { id: 'a1', role: 'assistant', parent: 'u1', text: 'no code here' },
      { id: 'a2', role: 'assistant', parent: 'a1', text: 'Prompt:\n```text\nA bold remix\n```\n```\nsecond\n```' },
    ]);
    expect(firstCodeBlock(c)).toEqual({
      found: true,
      nodeId: 'a2',
      prompt: 'A bold remix',
      language: 'text',
      checkedNodes: ['a1', 'a2'],
    });
    const userOnly = conversation([
      { id: 'u1', role: 'user', parent: null, text: 'start\n```\nmine\n```' },
      { id: 'a1', role: 'assistant', parent: 'u1', text: 'ok' },
    ]);
    expect(firstCodeBlock(userOnly)).toMatchObject({ found: true, nodeId: 'u1', prompt: 'mine' });
  });

  it('answers not found with every node it looked at', () => {
    const c = conversation([
      { id: 'u1', role: 'user', parent: null, text: 'hi' },
      { id: 'a1', role: 'assistant', parent: 'u1', text: 'hello' },
    ]);
    expect(firstCodeBlock(c)).toEqual({
      found: false,
      nodeId: null,
      prompt: '',
      language: null,
      checkedNodes: ['a1', 'u1'],
    });
  });
});

describe('classifyPageError', () => {
  it.each([
    ['A network error occurred. Please check your connection and try again.', 'NETWORK_ERROR'],
    ['Too many requests in 1 hour. Try again later.', 'RATE_LIMITED'],
    ["You've reached our limit of messages per hour. Please try again later.", 'RATE_LIMITED'],
    ['This GPT is inaccessible or not found.', 'GPT_NOT_FOUND'],
    ['Unable to load conversation 682b4c8d-1234-800a-9e5f-0123456789ab', 'GPT_NOT_FOUND'],
    ['Your session has expired. Please log in again.', 'SIGNED_OUT'],
    ['ChatGPT is at capacity right now', 'PROVIDER_ERROR'],
    ['Something went wrong. If this issue persists please contact us.', 'PROVIDER_ERROR'],
  ])('%s → %s', (text, code) => {
    expect(classifyPageError(text)?.code).toBe(code);
  });

  it('ignores text that is no error', () => {
    expect(classifyPageError('Here is your design')).toBeNull();
  });
});

describe('comparableText', () => {
  it('ignores how whitespace and line breaks came back from the page', () => {
    expect(comparableText('  a\n\n b\u00a0c ')).toBe(comparableText('a b c'));
  });
});
