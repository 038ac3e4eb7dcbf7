import { describe, expect, it } from 'vitest';
import { ChatgptState, GIZMOS } from './chatgpt-state.js';
import { AnswerStreamer, applyDeltaEvent, newDeltaDecoder, splitSse } from './chatgpt-stream.js';

const T0 = 1_700_000_000_000;

function setup(text: string, faults = { interrupt: false, stuck: false, imageStuck: false }) {
  const state = new ChatgptState({ speed: 1, answerMs: 1000, imageMs: 1000, uploadMs: 0, tokenLifetimeS: 60 });
  const result = state.send(
    state.account('default'),
    {
      action: 'next',
      gizmoId: GIZMOS[0].id,
      hints: [],
      message: { id: 'user-1', text, pointers: [], attachments: [] },
    },
    faults,
    T0,
  );
  if (!result.ok) throw new Error(result.detail);
  const streamer = new AnswerStreamer(state, result.conversation, result.userNode, result.genNodes, result.created);
  return { state, result, streamer };
}

/** Feeds SSE text to the page's decoder in awkward chunk sizes, as a network would. */
function decode(sse: string, chunk = 7) {
  const st = newDeltaDecoder();
  let rest = '';
  for (let i = 0; i < sse.length; i += chunk) {
    const out = splitSse(rest + sse.slice(i, i + chunk));
    rest = out.rest;
    for (const e of out.events) applyDeltaEvent(st, e.event, e.data);
  }
  return st;
}

describe(AnswerStreamer.name, () => {
  it('streams a whole answer in gen-2 deltas that the page decoder puts back together', () => {
    const { streamer, result } = setup('a cat');
    let sse = '';
    let done = false;
    for (let t = T0; !done; t += 100) {
      const next = streamer.next(t);
      expect(next.cut).toBe(false);
      sse += next.frames.join('');
      done = next.done;
    }
    expect(sse.startsWith('event: delta_encoding\ndata: "v1"\n\n')).toBe(true);
    expect(sse).toMatch(/"p":"\/message\/content\/parts\/0","o":"append"/);
    expect(sse).toMatch(/event: delta\ndata: \{"v":/); // later appends carry only v
    const st = decode(sse);
    expect(st.done).toBe(true);
    expect(st.conversationId).toBe(result.conversation.id);
    const [user, answer] = st.messages;
    expect(user.author.role).toBe('user');
    expect(answer.author.role).toBe('assistant');
    expect(answer.content.parts[0]).toBe(result.genNodes[0].gen!.text);
    expect(answer.status).toBe('finished_successfully');
    expect(answer.metadata.finish_details).toEqual({ type: 'stop' });
    expect(st.events.map((e) => e.type)).toEqual([
      'message_stream_complete',
      'conversation_detail_metadata',
      'title_generation',
    ]);
  });

  it('announces an image turn at the end of the stream, still in progress', () => {
    const { streamer } = setup('a fox [[image]]');
    const sse = [T0, T0 + 1000].flatMap((t) => streamer.next(t).frames).join('');
    const st = decode(sse, 13);
    const tool = st.messages.find((m) => m.author.role === 'tool');
    expect(tool).toMatchObject({ status: 'in_progress', metadata: { image_gen_async: true } });
    expect(st.done).toBe(true);
  });

  it('asks for the connection to be cut half way through an interrupted answer', () => {
    const { streamer, result } = setup('a dog', { interrupt: true, stuck: false, imageStuck: false });
    const early = streamer.next(T0 + 200);
    expect(early.cut).toBe(false);
    const late = streamer.next(T0 + 600);
    expect(late).toMatchObject({ cut: true, done: false });
    const st = decode([...early.frames, ...late.frames].join(''));
    expect(st.done).toBe(false);
    const text = result.genNodes[0].gen!.text;
    expect(st.messages[1].content.parts[0]).toBe(text.slice(0, Math.floor(text.length * 0.5)));
  });
});

describe('applyDeltaEvent', () => {
  it('applies replace, append to objects and arrays, and remove on JSON pointers', () => {
    const st = newDeltaDecoder();
    applyDeltaEvent(st, 'delta', JSON.stringify({ p: '', o: 'add', v: { message: { a: 'x', list: [1], meta: {} } } }));
    applyDeltaEvent(st, 'delta', JSON.stringify({ p: '/message/list', o: 'append', v: [2] }));
    applyDeltaEvent(st, 'delta', JSON.stringify({ p: '/message/meta', o: 'append', v: { k: 1 } }));
    applyDeltaEvent(st, 'delta', JSON.stringify({ p: '/message/a', o: 'replace', v: 'y' }));
    applyDeltaEvent(st, 'delta', JSON.stringify({ p: '/message/gone~1key', o: 'add', v: 1 }));
    applyDeltaEvent(st, 'delta', JSON.stringify({ p: '/message/gone~1key', o: 'remove' }));
    applyDeltaEvent(st, 'delta', 'not json');
    expect(st.messages[0]).toEqual({ a: 'y', list: [1, 2], meta: { k: 1 } });
  });
});
