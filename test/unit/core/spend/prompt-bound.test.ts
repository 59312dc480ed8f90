import assert from 'node:assert/strict';
import { PromptBounds, type TokenCounter } from '../../../../src/core/spend/prompt-bound';
import type { MessageParams } from '../../../../src/core/types';

const system = [{ type: 'text', text: 'You are a careful grader. '.repeat(600), cache_control: { type: 'ephemeral' } }];
const cached = (question: string, model = 'claude-haiku-4-5'): MessageParams => ({ model, max_tokens: 100, system, messages: [{ role: 'user', content: question }] });

function counter(tokens: number, calls: string[] = []): TokenCounter {
  return { countTokens: async (p) => (calls.push(`${p.model}:${JSON.stringify(p.messages)}`), tokens) };
}

describe('PromptBounds: what the cap reserves for a request\'s input', () => {
  it('counts a cached system prompt once per model and prefix, and bounds by that count plus the bytes of the rest', async () => {
    const calls: string[] = [];
    const bounds = new PromptBounds(counter(4_000, calls));
    const a = await bounds.inputTokensUpperBound(cached('What is 2 + 2?'));
    const b = await bounds.inputTokensUpperBound(cached('And 3 + 3?'));
    await bounds.inputTokensUpperBound(cached('Again', 'claude-sonnet-4-6'));
    assert.equal(calls.length, 2, 'one count per (model, prefix)');
    const rest = Buffer.byteLength(JSON.stringify([{ role: 'user', content: 'What is 2 + 2?' }]));
    assert.equal(a, Math.ceil(4_000 * 1.05) + 16 + rest);
    assert.ok(b < a);
    assert.ok(a < PromptBounds.bytesBound(cached('What is 2 + 2?')) / 3, 'several times tighter than bytes');
  });

  it('keeps the bytes bound when nothing shared is cached, when a breakpoint is in the messages, or when counting fails', async () => {
    const calls: string[] = [];
    const bounds = new PromptBounds(counter(4_000, calls));
    const plain: MessageParams = { model: 'claude-haiku-4-5', max_tokens: 10, system: 'short', messages: [{ role: 'user', content: 'hi' }] };
    assert.equal(await bounds.inputTokensUpperBound(plain), PromptBounds.bytesBound(plain));
    const inMessages: MessageParams = { ...cached('q'), messages: [{ role: 'user', content: [{ type: 'text', text: 'q', cache_control: { type: 'ephemeral' } }] }] };
    assert.equal(await bounds.inputTokensUpperBound(inMessages), PromptBounds.bytesBound(inMessages));
    assert.equal(calls.length, 0);
    const failing = new PromptBounds({ countTokens: () => Promise.reject(new Error('429')) });
    assert.equal(await failing.inputTokensUpperBound(cached('q')), PromptBounds.bytesBound(cached('q')));
    const lying = new PromptBounds(counter(Number.NaN));
    assert.equal(await lying.inputTokensUpperBound(cached('q')), PromptBounds.bytesBound(cached('q')));
  });

  it('is never more than the bytes bound, whatever the count says', async () => {
    const bounds = new PromptBounds(counter(10_000_000));
    assert.equal(await bounds.inputTokensUpperBound(cached('q')), PromptBounds.bytesBound(cached('q')));
  });
});
