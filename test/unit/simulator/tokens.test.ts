import assert from 'node:assert/strict';
import {
  IMAGE_TOKENS,
  analyzePrompt,
  countInputTokens,
  inputByteUpperBound,
  promptHash,
  type PromptBody,
} from '../../../src/simulator/tokens';

const MODEL = 'claude-sonnet-4-5';
const bytesOf = (body: PromptBody) =>
  Buffer.byteLength(JSON.stringify({ system: body.system, messages: body.messages, tools: body.tools }));
const user = (content: unknown) => ({ role: 'user', content });
const bigBase64 = 'iVBORw0KGgo'.repeat(4_000); // ~44 kB, like a real screenshot

describe('simulator tokens', () => {
  describe('countInputTokens', () => {
    it('counts about one token per 4 UTF-8 bytes plus a per-message overhead', () => {
      const one = countInputTokens({ model: MODEL, messages: [user('a'.repeat(400))] });
      assert.equal(one, 100 + 3);
      const two = countInputTokens({ model: MODEL, messages: [user('a'.repeat(400)), { role: 'assistant', content: 'b'.repeat(40) }] });
      assert.equal(two, 103 + 10 + 3);
    });

    it('counts bytes, not characters, for non-ASCII text', () => {
      // 'é' is 2 bytes and '😀' is 4 bytes in UTF-8.
      assert.equal(countInputTokens({ messages: [user('é'.repeat(100))] }), 50 + 3);
      assert.equal(countInputTokens({ messages: [user('😀'.repeat(100))] }), 100 + 3);
    });

    it('counts system, blocks, tool use/results and tools', () => {
      const base = countInputTokens({ messages: [user('hi')] });
      const withSystem = countInputTokens({ system: 'x'.repeat(80), messages: [user('hi')] });
      assert.equal(withSystem - base, 20);
      const withTool = countInputTokens({
        messages: [user('hi')],
        tools: [{ name: 'lookup', description: 'd'.repeat(400), input_schema: { type: 'object' } }],
      });
      assert.ok(withTool - base > 100, 'a tool costs at least its description');
      const blocks = countInputTokens({
        messages: [
          { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'lookup', input: { q: 'q'.repeat(200) } }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'r'.repeat(400) }] },
        ],
      });
      assert.ok(blocks >= 50 + 100, `tool_use input and tool_result content are counted (${blocks})`);
    });

    it('charges a fixed amount for a real base64 image, and never more than a tiny one’s bytes', () => {
      const image = { type: 'image', source: { type: 'base64', media_type: 'image/png', data: bigBase64 } };
      assert.equal(countInputTokens({ messages: [user([image])] }), 3 + IMAGE_TOKENS);
      const tiny = { messages: [user([{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } }])] };
      assert.ok(countInputTokens(tiny) < 100);
      assert.ok(countInputTokens(tiny) <= bytesOf(tiny));
    });

    it('is deterministic', () => {
      const body = { system: 's', messages: [user([{ type: 'text', text: 'same' }])] };
      assert.equal(countInputTokens(body), countInputTokens(structuredClone(body)));
    });
  });

  describe('the byte-bound contract: count ≤ byteLength(JSON.stringify({system, messages, tools}))', () => {
    const cases: Array<[string, PromptBody]> = [
      ['empty string content', { messages: [user('')] }],
      ['one character', { messages: [user('a')] }],
      ['empty block list', { messages: [user([])] }],
      ['empty text block', { messages: [user([{ type: 'text', text: '' }])] }],
      ['unicode', { system: '日本語のシステム', messages: [user('🎉'.repeat(50) + 'naïve café')] }],
      ['tiny url image', { messages: [user([{ type: 'image', source: { type: 'url', url: 'http://x/a.png' } }])] }],
      ['tiny base64 image', { messages: [user([{ type: 'image', source: { type: 'base64', data: '' } }])] }],
      ['big base64 image', { messages: [user([{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: bigBase64 } }])] }],
      ['minimal tools', { messages: [user('x')], tools: [{}, { name: 'a' }] }],
      ['tools with cache_control', { messages: [user('x')], tools: [{ name: 't', cache_control: { type: 'ephemeral' } }] }],
      ['system blocks', { system: [{ type: 'text', text: 'abc', cache_control: { type: 'ephemeral', ttl: '1h' } }], messages: [user('x')] }],
      ['tool_result with nested blocks', {
        messages: [user([{ type: 'tool_result', tool_use_id: 't', content: [{ type: 'text', text: 'ok' }, { type: 'image', source: { type: 'base64', data: 'QUJD' } }] }])],
      }],
      ['document', { messages: [user([{ type: 'document', source: { type: 'text', data: 'doc' } }])] }],
      ['garbage shapes', { system: 5, messages: [1, null, {}, { role: 'user' }, 'str', [[]]] as unknown[], tools: 'nope' as unknown }],
      ['messages not an array', { messages: { role: 'user', content: 'x' } }],
      ['nothing at all', {}],
    ];
    for (const [name, body] of cases) {
      it(name, () => {
        const count = countInputTokens(body);
        assert.ok(count <= bytesOf(body), `${count} > ${bytesOf(body)}`);
        assert.equal(inputByteUpperBound(body), bytesOf(body));
      });
    }

    it('holds for 500 random bodies', () => {
      let seed = 42;
      const rand = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
      const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)]!;
      const text = () => pick(['', 'a', 'é', '😀', '日本', 'hello world ', '"\\\n']).repeat(Math.floor(rand() * 30));
      const block = (): unknown =>
        pick([
          () => ({ type: 'text', text: text() }),
          () => ({ type: 'text', text: text(), cache_control: { type: 'ephemeral' } }),
          () => ({ type: 'image', source: { type: 'base64', data: 'A'.repeat(Math.floor(rand() * 9000)) } }),
          () => ({ type: 'tool_use', id: 'x', name: text(), input: { a: text() } }),
          () => ({ type: 'tool_result', tool_use_id: 'x', content: rand() < 0.5 ? text() : [{ type: 'text', text: text() }] }),
          () => ({ type: 'mystery', value: text() }),
          () => text(),
          () => null,
        ])();
      for (let i = 0; i < 500; i++) {
        const body: PromptBody = {
          system: rand() < 0.5 ? text() : [{ type: 'text', text: text() }],
          messages: Array.from({ length: 1 + Math.floor(rand() * 4) }, () =>
            user(rand() < 0.3 ? text() : Array.from({ length: Math.floor(rand() * 4) }, block)),
          ),
          tools: rand() < 0.5 ? undefined : [{ name: text(), input_schema: {} }],
          cache_control: rand() < 0.2 ? { type: 'ephemeral' } : undefined,
        };
        const count = countInputTokens(body);
        assert.ok(count <= bytesOf(body), `body #${i}: ${count} > ${bytesOf(body)}: ${JSON.stringify(body).slice(0, 200)}`);
      }
    });
  });

  describe('cacheable prefix', () => {
    const system = [{ type: 'text', text: 's'.repeat(4_000), cache_control: { type: 'ephemeral' } }];

    it('is null when nothing asks for caching', () => {
      const a = analyzePrompt({ model: MODEL, system: 'plain', messages: [user('x')] });
      assert.equal(a.cacheable, null);
      assert.deepEqual(a.breakpoints, []);
    });

    it('ends at the last block carrying cache_control, counting tools and system before it', () => {
      const tools = [{ name: 't', description: 'd'.repeat(400) }];
      const body = { model: MODEL, tools, system, messages: [user('q'.repeat(4_000))] };
      const a = analyzePrompt(body);
      const withoutMessages = countInputTokens({ model: MODEL, tools, system, messages: [] });
      assert.equal(a.cacheable?.tokens, withoutMessages);
      assert.equal(a.cacheable?.ttl, '5m');
      assert.ok(a.inputTokens >= a.cacheable!.tokens + 1_000, 'the uncached question is not part of the prefix');
    });

    it('uses the last of several breakpoints and reads ttl 1h', () => {
      const body = {
        model: MODEL,
        system,
        messages: [user([{ type: 'text', text: 'x'.repeat(400), cache_control: { type: 'ephemeral', ttl: '1h' } }]), { role: 'assistant', content: 'tail' }],
      };
      const a = analyzePrompt(body);
      assert.equal(a.breakpoints.length, 2);
      assert.equal(a.breakpoints[0]!.ttl, '5m');
      assert.equal(a.cacheable, a.breakpoints[1]);
      assert.equal(a.cacheable?.ttl, '1h');
      assert.ok(a.cacheable!.tokens > a.breakpoints[0]!.tokens);
      assert.ok(a.cacheable!.tokens < a.inputTokens, 'the trailing assistant message is not cached');
    });

    it('top-level cache_control caches the whole prompt, with its ttl', () => {
      const body = { model: MODEL, messages: [user('a'.repeat(100)), { role: 'assistant', content: 'b' }], cache_control: { type: 'ephemeral', ttl: '1h' } };
      const a = analyzePrompt(body);
      assert.equal(a.cacheable?.tokens, a.inputTokens);
      assert.equal(a.cacheable?.ttl, '1h');
    });

    it('hashes the prefix only: equal for different suffixes, different for another prefix or model', () => {
      const a = analyzePrompt({ model: MODEL, system, messages: [user('question one')] });
      const b = analyzePrompt({ model: MODEL, system, messages: [user('a different question')] });
      const otherSystem = analyzePrompt({ model: MODEL, system: [{ ...system[0]!, text: 'other' }], messages: [user('question one')] });
      const otherModel = analyzePrompt({ model: 'claude-haiku-4-5', system, messages: [user('question one')] });
      assert.equal(a.cacheable?.hash, b.cacheable?.hash);
      assert.notEqual(a.cacheable?.hash, otherSystem.cacheable?.hash);
      assert.notEqual(a.cacheable?.hash, otherModel.cacheable?.hash);
    });

    it('the hash ignores the marker itself, so a later request can hit an earlier write', () => {
      const marked = analyzePrompt({ model: MODEL, messages: [user([{ type: 'text', text: 'ctx', cache_control: { type: 'ephemeral' } }])] });
      const automatic = analyzePrompt({ model: MODEL, messages: [user([{ type: 'text', text: 'ctx' }])], cache_control: { type: 'ephemeral' } });
      assert.equal(marked.cacheable?.hash, automatic.cacheable?.hash);
      assert.equal(marked.cacheable?.tokens, automatic.cacheable?.tokens);
    });
  });

  it('promptHash is stable and sensitive to the prompt', () => {
    const body = { model: MODEL, messages: [user('x')] };
    assert.equal(promptHash(body), promptHash(structuredClone(body)));
    assert.notEqual(promptHash(body), promptHash({ model: MODEL, messages: [user('y')] }));
    assert.match(promptHash(body), /^[0-9a-f]{64}$/);
  });
});
