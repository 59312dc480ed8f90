import assert from 'node:assert/strict';
import { usageProblem } from '../../../../src/core/client/usage-check';

describe('usageProblem: a 200 is billed from only when its usage makes sense', () => {
  it('accepts the usage the API sends, with or without the optional fields', () => {
    assert.equal(usageProblem({ usage: { input_tokens: 10, output_tokens: 0 } }), undefined);
    assert.equal(usageProblem({ usage: { input_tokens: 10, output_tokens: 5, cache_creation_input_tokens: null, cache_read_input_tokens: 3, cache_creation: { ephemeral_1h_input_tokens: 0 } } }), undefined);
  });

  it('names what is wrong: missing, null, negative, not a number, a garbage body', () => {
    assert.equal(usageProblem({ id: 'msg' }), 'it has no "usage"');
    assert.equal(usageProblem({ usage: null }), '"usage" is null');
    assert.equal(usageProblem({ usage: { input_tokens: -3, output_tokens: 5 } }), 'usage.input_tokens is -3, not a count');
    assert.equal(usageProblem({ usage: { input_tokens: 3, output_tokens: '5' } }), 'usage.output_tokens is "5", not a count');
    assert.equal(usageProblem({ usage: { input_tokens: 3, output_tokens: 5, cache_read_input_tokens: -1 } }), 'usage.cache_read_input_tokens is -1, not a count');
    assert.equal(usageProblem('<html>oops</html>'), 'the body is not a JSON object');
    assert.equal(usageProblem({ usage: { input_tokens: 3, output_tokens: 5, cache_creation: { ephemeral_5m_input_tokens: Number.NaN } } }), 'usage.cache_creation.ephemeral_5m_input_tokens is null, not a count');
  });
});
