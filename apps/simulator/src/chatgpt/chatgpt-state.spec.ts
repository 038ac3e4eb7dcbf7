import { beforeEach, describe, expect, it } from 'vitest';
import {
  ChatgptState,
  GIZMOS,
  composeReply,
  markersOf,
  type SendFaults,
  type SendRequest,
  type UserPointer,
} from './chatgpt-state.js';

const REMIX = GIZMOS[0];
const T0 = 1_700_000_000_000;
const none: SendFaults = { interrupt: false, stuck: false, imageStuck: false };

const message = (text: string, pointers: UserPointer[] = []) => ({
  id: `msg-${text.length}-${Math.random().toString(36).slice(2)}`,
  text,
  pointers,
  attachments: [],
});

describe(ChatgptState.name, () => {
  let sut: ChatgptState;
  // answers take 1000 ms, images 2000 ms more (speed 1)
  beforeEach(() => {
    sut = new ChatgptState({ speed: 1, answerMs: 1000, imageMs: 2000, uploadMs: 0, tokenLifetimeS: 60 });
  });

  const send = (request: Partial<SendRequest>, faults = none, now = T0) =>
    sut.send(
      sut.account('default'),
      { action: 'next', gizmoId: REMIX.id, hints: [], message: message('a cat'), ...request },
      faults,
      now,
    );

  it('streams an answer in over time and finishes it', () => {
    const result = send({});
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const gen = result.genNodes[0].gen!;
    expect(sut.textAt(gen, T0)).toBe('');
    const half = sut.textAt(gen, T0 + 500);
    expect(half.length).toBeGreaterThan(10);
    expect(gen.text.startsWith(half)).toBe(true);
    expect(sut.status(gen, T0 + 500)).toBe('in_progress');
    expect(sut.textAt(gen, T0 + 1000)).toBe(gen.text);
    expect(sut.status(gen, T0 + 1000)).toBe('finished_successfully');
    expect(gen.text).toContain('```text\na cat, remixed as');
  });

  it('cuts an interrupted answer half way, and a stuck one never ends', () => {
    const cut = send({}, { ...none, interrupt: true });
    const stuck = send({ message: message('a dog') }, { ...none, stuck: true });
    if (!cut.ok || !stuck.ok) throw new Error('send failed');
    const cutGen = cut.genNodes[0].gen!;
    expect(sut.status(cutGen, T0 + 499)).toBe('in_progress');
    expect(sut.status(cutGen, T0 + 500)).toBe('finished_partial_completion');
    expect(sut.textAt(cutGen, T0 + 10_000).length).toBe(Math.floor(cutGen.text.length * 0.5));
    const stuckGen = stuck.genNodes[0].gen!;
    expect(sut.status(stuckGen, T0 + 1e9)).toBe('in_progress');
    expect(sut.textAt(stuckGen, T0 + 1e9).length).toBe(Math.floor(stuckGen.text.length * 0.4));
  });

  it('adds an image turn that appears when the answer ends and holds its pointers once done', () => {
    const result = send({ message: message('a fox [[images:2]]') });
    if (!result.ok) throw new Error('send failed');
    const { conversation } = result;
    expect(result.genNodes).toHaveLength(2);
    const tool = result.genNodes[1];
    const at = (now: number) => sut.conversationJson(conversation, now) as any;
    expect(at(T0 + 500).mapping[tool.id]).toBeUndefined();
    expect(at(T0 + 500).current_node).toBe(result.genNodes[0].id);
    expect(at(T0 + 1500).mapping[tool.id].message).toMatchObject({
      status: 'in_progress',
      author: { role: 'tool' },
      content: { parts: [] },
      metadata: { image_gen_async: true },
    });
    expect(sut.asyncStatus(conversation, T0 + 1500)).toBe('IN_PROGRESS');
    const done = at(T0 + 3000).mapping[tool.id].message;
    expect(done.status).toBe('finished_successfully');
    expect(done.content.parts.map((p: any) => p.asset_pointer)).toEqual([
      expect.stringMatching(/^sediment:\/\/file_/),
      expect.stringMatching(/^sediment:\/\/file_/),
    ]);
    expect(sut.asyncStatus(conversation, T0 + 3000)).toBe('OK');
    const file = sut.files.get(done.content.parts[0].asset_pointer.slice('sediment://'.length))!;
    expect(sut.fileReady(file, T0 + 2999)).toBe(false);
    expect(sut.fileReady(file, T0 + 3000)).toBe(true);
  });

  it('continues a conversation, regenerates an answer as a sibling, and refuses what does not exist', () => {
    const first = send({});
    if (!first.ok) throw new Error('send failed');
    const id = first.conversation.id;
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-/);
    const next = send({ conversationId: id, message: message('and a hat') }, none, T0 + 2000);
    if (!next.ok) throw new Error('continue failed');
    expect(next.created).toBe(false);
    expect(next.userNode!.parent).toBe(first.genNodes[0].id);
    const variant = send(
      { action: 'variant', conversationId: id, parentMessageId: next.userNode!.id, message: undefined },
      none,
      T0 + 4000,
    );
    if (!variant.ok) throw new Error('variant failed');
    expect(next.userNode!.children).toHaveLength(2);
    expect(first.conversation.currentNode).toBe(variant.genNodes[0].id);

    expect(send({ gizmoId: 'g-unknown' })).toEqual({ ok: false, status: 404, detail: 'Gizmo not found' });
    expect(send({ conversationId: '00000000-0000-8000-8000-000000000000' })).toMatchObject({ status: 404 });
    const other = sut.send(
      sut.account('other'),
      { action: 'next', gizmoId: null, hints: [], conversationId: id, message: message('x') },
      none,
    );
    expect(other).toMatchObject({ ok: false, status: 404 });
    const notUploaded = sut.createFile('default', 'a.png', 10, 'image/png');
    expect(
      send({
        message: message('x', [
          { asset_pointer: `file-service://${notUploaded.id}`, width: 1, height: 1, size_bytes: 10 },
        ]),
      }),
    ).toMatchObject({ ok: false, status: 400 });
  });

  it('counts runs at once per account and forgets abandoned stuck ones', () => {
    send({}, none, T0);
    send({ message: message('two') }, none, T0 + 100);
    const stuck = send({ message: message('three') }, { ...none, stuck: true }, T0 + 200);
    expect(sut.running('default', T0 + 300)).toBe(3);
    expect(sut.maxConcurrent.default).toBe(3);
    expect(sut.running('default', T0 + 5000)).toBe(1);
    if (!stuck.ok) throw new Error('send failed');
    sut.abandon(stuck.genNodes.map((n) => n.gen!));
    expect(sut.running('default', T0 + 5000)).toBe(0);
    expect(sut.stats(T0 + 5000)).toMatchObject({ sends: { default: 3 }, maxConcurrent: { default: 3 } });
  });

  it('records every accepted send with its prompt, and rejected ones not at all', () => {
    const first = send({ message: message('one') }, none, T0);
    if (!first.ok) throw new Error('send failed');
    send(
      { action: 'variant', conversationId: first.conversation.id, parentMessageId: first.userNode!.id },
      none,
      T0 + 1,
    );
    send({ gizmoId: 'g-unknown' }, none, T0 + 2);
    expect(sut.stats(T0 + 5000).submissions).toEqual([
      { conversation_id: first.conversation.id, account: 'default', action: 'next', prompt: 'one', submittedAt: T0 },
      {
        conversation_id: first.conversation.id,
        account: 'default',
        action: 'variant',
        prompt: 'one',
        submittedAt: T0 + 1,
      },
    ]);
    sut.reset();
    expect(sut.stats().submissions).toEqual([]);
  });

  it('pages the recent image feed newest first with a cursor', () => {
    send({ message: message('one [[image]]') }, none, T0);
    send({ message: message('two [[images:2]]') }, none, T0 + 10);
    const page1 = sut.recentImages('default', 2, undefined, T0 + 10_000);
    expect(page1.items).toHaveLength(2);
    expect(page1.cursor).toBeTruthy();
    const page2 = sut.recentImages('default', 2, page1.cursor!, T0 + 10_000);
    expect(page2.items).toHaveLength(1);
    expect(page2.cursor).toBeNull();
    expect(new Set([...page1.items, ...page2.items].map((i) => i.id)).size).toBe(3);
    expect(sut.recentImages('default', 6, undefined, T0 + 500).items).toHaveLength(0); // none finished yet
  });

  it('issues access tokens that expire and signs estuary paths', () => {
    const account = sut.account('default');
    const { accessToken } = sut.accessTokenOf(account, T0);
    expect(sut.byAccessToken(accessToken, T0 + 1000)).toBe(account);
    expect(sut.byAccessToken(accessToken, T0 + 61_000)).toBeUndefined();
    expect(sut.accessTokenOf(account, T0 + 61_000).accessToken).not.toBe(accessToken);
    const file = sut.createFile('default', 'a.png', 3, 'image/png');
    expect(sut.estuaryPath(file)).toContain(`sig=${sut.sign(file.id)}`);
    expect(sut.sign(file.id)).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('composeReply and markers', () => {
  it('has the remix GPT write its prompt in a fenced block and answer an image with an image', () => {
    expect(composeReply('a cat [[slow]]', REMIX, 0)).toMatchObject({ images: 0 });
    expect(composeReply('a cat', REMIX, 0).text).toContain('```text\na cat, remixed as');
    expect(composeReply('', REMIX, 1)).toMatchObject({ images: 1 });
    expect(composeReply('', REMIX, 1).text).toContain('the uploaded design');
    expect(composeReply('hello [[code]]', undefined, 0).text).toContain('```js');
    expect(composeReply('hello', undefined, 0).text).not.toContain('```');
  });

  it('reads prompt markers', () => {
    expect(markersOf('x [[never_end]] [[images:3]] [[slow]]')).toMatchObject({ neverEnd: true, images: 3, slow: true });
    expect(markersOf('x [[images:9]]').images).toBe(4);
    expect(markersOf('x [[image]] [[network_error]]')).toMatchObject({
      images: 1,
      networkError: true,
      rateLimit: false,
    });
  });
});
