import { strict as assert } from 'node:assert';
import { inputBytesOf, promptCacheTtl, usesPromptCache } from '../../../../src/core/input';
import type { MessageParams } from '../../../../src/core/types';

const base: MessageParams = { model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] };
const cc = { type: 'ephemeral' };

describe('input: estimate', () => {
  it('inputBytesOf is the UTF-8 length of {system, messages, tools} as JSON', () => {
    const params: MessageParams = { ...base, system: 'sé', tools: [{ name: 't' }], metadata: { user_id: 'not counted' } };
    const expected = Buffer.byteLength(JSON.stringify({ system: 'sé', messages: base.messages, tools: [{ name: 't' }] }));
    assert.equal(inputBytesOf(params), expected);
    assert.equal(inputBytesOf(base), Buffer.byteLength('{"messages":[{"role":"user","content":"hi"}]}'));
    // Multi-byte text counts in bytes, so the bound holds for any tokenizer.
    assert.equal(inputBytesOf({ ...base, messages: [{ role: 'user', content: '€' }] }) - inputBytesOf({ ...base, messages: [{ role: 'user', content: 'e' }] }), 2);
  });

  it('usesPromptCache finds cache_control at the top level, in system, message blocks, tool_result blocks and tools', () => {
    assert.equal(usesPromptCache(base), false);
    assert.equal(usesPromptCache({ ...base, cache_control: cc }), true);
    assert.equal(usesPromptCache({ ...base, system: [{ type: 'text', text: 's', cache_control: cc }] }), true);
    assert.equal(usesPromptCache({ ...base, messages: [{ role: 'user', content: [{ type: 'text', text: 'x', cache_control: cc }] }] }), true);
    const toolResult = { type: 'tool_result', tool_use_id: 't1', content: [{ type: 'text', text: 'r', cache_control: cc }] };
    assert.equal(usesPromptCache({ ...base, messages: [{ role: 'user', content: [toolResult] }] }), true);
    assert.equal(usesPromptCache({ ...base, tools: [{ name: 't', cache_control: cc }] }), true);
  });

  it('usesPromptCache treats cache_control: null as no breakpoint, and ignores the words in text', () => {
    assert.equal(usesPromptCache({ ...base, cache_control: null }), false);
    assert.equal(usesPromptCache({ ...base, system: 'use "cache_control": {}', messages: [{ role: 'user', content: [{ type: 'text', text: 'x', cache_control: null }] }] }), false);
  });

  it('promptCacheTtl is the longest TTL asked for anywhere, 5 minutes by default', () => {
    assert.equal(promptCacheTtl(base), undefined);
    assert.equal(promptCacheTtl({ ...base, cache_control: cc }), '5m');
    assert.equal(promptCacheTtl({ ...base, cache_control: { type: 'ephemeral', ttl: '5m' } }), '5m');
    const oneHour = { type: 'ephemeral', ttl: '1h' };
    assert.equal(promptCacheTtl({ ...base, system: [{ type: 'text', text: 's', cache_control: oneHour }], cache_control: cc }), '1h');
    const toolResult = { type: 'tool_result', tool_use_id: 't1', content: [{ type: 'text', text: 'r', cache_control: oneHour }] };
    assert.equal(promptCacheTtl({ ...base, messages: [{ role: 'user', content: [{ type: 'text', text: 'x', cache_control: cc }, toolResult] }] }), '1h');
  });
});
