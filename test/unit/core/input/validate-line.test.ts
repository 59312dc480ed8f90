import { strict as assert } from 'node:assert';
import { formatProblem, type InputDefaults, isBlankLine, parseLine } from '../../../../src/core/input';
import type { InputRequest } from '../../../../src/core/types';

const OK = { model: 'claude-haiku-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] };
const LINE = 7;

const textOf = (line: unknown): string => (typeof line === 'string' ? line : JSON.stringify(line));

/** The formatted problems of a line that must be invalid. */
function problems(line: unknown, defaults: InputDefaults = {}): string[] {
  const r = parseLine(textOf(line), LINE, defaults, 'in.jsonl');
  assert.ok('problems' in r, `expected problems for ${textOf(line)}`);
  return r.problems.map(formatProblem);
}

/** The single problem of a line (asserting there is exactly one). */
function problem(line: unknown, defaults: InputDefaults = {}): string {
  const all = problems(line, defaults);
  assert.equal(all.length, 1, `expected one problem, got:\n${all.join('\n')}`);
  return all[0]!;
}

function valid(line: unknown, defaults: InputDefaults = {}): { request: InputRequest; warnings: string[] } {
  const r = parseLine(textOf(line), LINE, defaults, 'in.jsonl');
  assert.ok('request' in r, `expected a request, got:\n${'problems' in r ? r.problems.map(formatProblem).join('\n') : ''}`);
  return { request: r.request, warnings: r.warnings.map(formatProblem) };
}

const body = (extra: Record<string, unknown>): Record<string, unknown> => ({ ...OK, ...extra });

describe('input: parseLine', () => {
  describe('JSON syntax', () => {
    it('gives the column and the text before it, prefixed with file:line', () => {
      assert.equal(
        problem('{"model": "x",}'),
        `in.jsonl:7: invalid JSON at column 15: expected double-quoted property name (at '}' after '{"model": "x",')`,
      );
    });

    it('finds the column of an unexpected character that V8 reports without a position', () => {
      const text = '{"model": "claude-haiku-4-5", "max_tokens": x, "messages": []}';
      const message = problem(text);
      const column = Number(/at column (\d+)/.exec(message)?.[1]);
      assert.equal(text[column - 1], 'x', message);
      assert.match(message, /unexpected character \(at 'x' after '…/);
      // Near the start of a long line, too.
      const early = '{"a":x,"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb":1}';
      assert.match(problem(early), /at column 6: unexpected character \(at 'x' after '\{"a":'\)/);
      // A short line is shown whole.
      assert.match(problem('{"a": tru}'), /invalid JSON: unexpected '}' in '\{"a": tru\}'/);
    });

    it('says a request must be on one line when the line ends too early (pretty-printed JSON)', () => {
      assert.match(problem('{'), /at column 2: .*at the end of the line.* — each request must be one complete JSON object on a single line/);
      assert.match(problem('{"model": "x"'), /at column 14: expected ',' or '}' after property value/);
      assert.match(problem('tru'), /the line ends before the JSON value is complete/);
    });

    it('says one request per line when two are on one line', () => {
      assert.match(problem('{"a":1}{"b":2}'), /at column 8: unexpected non-whitespace character after JSON .* — put one request per line/);
    });

    it('explains a raw tab inside a string, showing it escaped', () => {
      assert.match(problem('{"a":"x\ty"}'), /at column 8: bad control character in string literal \(at '\\t' after '\{"a":"x'\) — write tabs/);
    });

    it('requires a JSON object at the top level', () => {
      for (const [line, got] of [['[1]', 'an array'], ['"s"', "the string 's'"], ['42', '42'], ['null', 'null'], ['true', 'true']]) {
        assert.equal(
          problem(line),
          `in.jsonl:7: the line must be a JSON object (a messages.create body, or {"custom_id": ..., "params": {...}}), got ${got}`,
        );
      }
    });
  });

  describe('the two shapes', () => {
    it('takes a bare messages.create body, with the id line-<n>', () => {
      const { request, warnings } = valid(OK);
      assert.deepEqual(request, { customId: 'line-7', line: 7, params: OK });
      assert.deepEqual(warnings, []);
    });

    it('takes the Batches shape, with its custom_id', () => {
      const { request } = valid({ custom_id: 'req_1-A', params: OK });
      assert.deepEqual(request, { customId: 'req_1-A', line: 7, params: OK });
    });

    it('gives a Batches line without custom_id the id line-<n>', () => {
      assert.equal(valid({ params: OK }).request.customId, 'line-7');
    });

    it('names fields inside the Batches shape as params.<field>', () => {
      assert.equal(problem({ custom_id: 'a', params: body({ max_tokens: -1 }) }), 'in.jsonl:7: params.max_tokens must be a positive whole number of tokens such as 1024, got -1');
    });

    it('allows only custom_id and params in the Batches shape', () => {
      assert.equal(
        problem({ custom_id: 'a', model: 'm', max_tokens: 1, params: OK }),
        "in.jsonl:7: unexpected keys 'model', 'max_tokens' beside custom_id and params: in the Batches shape every request field goes inside params",
      );
    });

    it('requires params to be an object once custom_id is there', () => {
      const all = problems({ custom_id: 'a', ...OK });
      assert.match(all[0]!, /unexpected keys 'model', 'max_tokens', 'messages' beside custom_id and params/);
      assert.match(all[1]!, /params is missing: in the Batches shape .* the messages.create body goes in params/);
      assert.match(problems({ custom_id: 'a', params: 'x' }).join('\n'), /params must be an object \(the messages.create body\), got the string 'x'/);
    });

    it('treats a non-object params without custom_id as an unknown parameter of a bare body', () => {
      assert.match(problem(body({ params: 'x' })), /unknown parameter 'params'/);
    });
  });

  describe('custom_id', () => {
    it('accepts 1 to 64 characters of A-Z a-z 0-9 _ -', () => {
      valid({ custom_id: 'x', params: OK });
      valid({ custom_id: 'a'.repeat(64), params: OK });
    });

    it('says exactly what is wrong', () => {
      assert.equal(problem({ custom_id: '', params: OK }), "in.jsonl:7: custom_id is empty: give 1 to 64 characters from A-Z, a-z, 0-9, '_' and '-'");
      assert.equal(problem({ custom_id: 'a'.repeat(65), params: OK }), 'in.jsonl:7: custom_id is too long (65 chars): the Batches API allows at most 64');
      assert.equal(
        problem({ custom_id: 'a b', params: OK }),
        "in.jsonl:7: custom_id has a bad character ' ' at position 2: only A-Z, a-z, 0-9, '_' and '-' are allowed",
      );
      assert.match(problem({ custom_id: 'ok.😀', params: OK }), /bad character '\.' at position 3/);
      assert.match(problem({ custom_id: 'tab\there', params: OK }), /bad character '\\t' at position 4/);
      assert.match(problem({ custom_id: 12, params: OK }), /custom_id must be a string of 1 to 64 characters .*, got 12/);
    });

    it('reports a too-long id with a bad character as two problems', () => {
      const all = problems({ custom_id: `${'a'.repeat(70)}!`, params: OK });
      assert.equal(all.length, 2);
      assert.match(all[0]!, /too long \(71 chars\)/);
      assert.match(all[1]!, /bad character '!' at position 71/);
    });
  });

  describe('model and max_tokens', () => {
    it('says how to supply a missing model', () => {
      assert.equal(problem({ max_tokens: 5, messages: OK.messages }), 'in.jsonl:7: model is missing (set it on the line or pass --model)');
    });

    it('takes model and max_tokens from the defaults when a line omits them, and the line wins otherwise', () => {
      const defaults = { model: 'claude-sonnet-4-6', maxTokens: 512 };
      const { request } = valid({ messages: OK.messages }, defaults);
      assert.equal(request.params.model, 'claude-sonnet-4-6');
      assert.equal(request.params.max_tokens, 512);
      const own = valid(OK, defaults).request.params;
      assert.equal(own.model, 'claude-haiku-4-5');
      assert.equal(own.max_tokens, 100);
    });

    it('rejects a model that is not a non-empty string', () => {
      assert.equal(problem(body({ model: '' })), "in.jsonl:7: model must be a model name such as 'claude-sonnet-4-6', got the string ''");
      assert.match(problem(body({ model: 3 })), /model must be a model name .*, got 3/);
      assert.match(problem(body({ model: null })), /got null/);
    });

    it('says how to supply a missing max_tokens', () => {
      assert.equal(problem({ model: 'm', messages: OK.messages }), 'in.jsonl:7: max_tokens is missing (set it on the line or pass --max-tokens)');
    });

    it('requires max_tokens to be a positive whole number', () => {
      assert.match(problem(body({ max_tokens: 0 })), /max_tokens must be a positive whole number of tokens such as 1024, got 0/);
      assert.match(problem(body({ max_tokens: 1.5 })), /max_tokens must be a positive whole number of tokens such as 1024, got 1.5/);
      assert.match(problem(body({ max_tokens: '100' })), /got the string '100'/);
      assert.match(problem(body({ max_tokens: -3 })), /got -3/);
    });

    it('says when a bad max_tokens came from the default', () => {
      assert.match(problem({ model: 'm', messages: OK.messages }, { maxTokens: -1 }), /max_tokens \(the default from --max-tokens\) must be a positive whole number/);
    });
  });

  describe('messages', () => {
    const msgs = (messages: unknown): string => problem(body({ messages }));

    it('requires a non-empty array', () => {
      assert.match(problem({ model: 'm', max_tokens: 1 }), /messages is missing: give at least one message, e.g. \[\{"role": "user", "content": "Hello"\}\]/);
      assert.match(msgs([]), /messages is empty: give at least one message/);
      assert.match(msgs('hi'), /messages must be an array of messages .*, got the string 'hi'/);
    });

    it('requires each message to be an object with a role of user or assistant', () => {
      assert.match(msgs(['hi']), /messages\[0\] must be an object like \{"role": "user", "content": "..."\}, got the string 'hi'/);
      assert.match(msgs([{ content: 'x' }]), /messages\[0\].role is missing: use 'user' or 'assistant'/);
      assert.match(msgs([{ role: 'bot', content: 'x' }]), /messages\[0\].role must be 'user' or 'assistant', got the string 'bot'$/);
      assert.match(msgs([{ role: 'system', content: 'x' }]), /got the string 'system' — put a system prompt in the top-level system field/);
    });

    it('requires content, non-empty except on a final assistant message', () => {
      assert.match(msgs([{ role: 'user' }]), /messages\[0\].content is missing/);
      assert.match(msgs([{ role: 'user', content: '' }]), /messages\[0\].content is empty: only a final assistant message may be empty/);
      assert.match(msgs([{ role: 'user', content: [] }]), /messages\[0\].content is empty/);
      assert.match(msgs([{ role: 'user', content: 5 }]), /messages\[0\].content must be a string or an array of content blocks, got 5/);
      valid(body({ messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: '' }] }));
      assert.match(msgs([{ role: 'assistant', content: '' }, { role: 'user', content: 'q' }]), /messages\[0\].content is empty/);
    });

    it('requires content blocks to be objects with a string type', () => {
      valid(body({ messages: [{ role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'image', source: {} }] }] }));
      assert.match(msgs([{ role: 'user', content: ['a'] }]), /messages\[0\].content\[0\] must be a content block like \{"type": "text", "text": "..."\}, got the string 'a'/);
      assert.match(msgs([{ role: 'user', content: [{ text: 'a' }] }]), /messages\[0\].content\[0\].type must be a block type such as 'text' or 'image', got nothing/);
      assert.match(msgs([{ role: 'user', content: [{ type: 'text', text: 3 }] }]), /content\[0\].text must be a string, got 3/);
      assert.match(msgs([{ role: 'user', content: [{ type: 'text', text: '' }] }]), /content\[0\].text is empty: the API rejects empty text blocks/);
    });

    it('allows no other keys on a message', () => {
      assert.match(msgs([{ role: 'user', content: 'x', name: 'bob' }]), /messages\[0\] has unexpected key 'name': a message has only role and content/);
    });

    it('caps the problems of one line and says how many more there were', () => {
      const all = problems(body({ messages: Array.from({ length: 30 }, () => 'x') }));
      assert.equal(all.length, 21);
      assert.equal(all[20], 'in.jsonl:7: …and 10 more problems on this line');
    });
  });

  describe('parameters', () => {
    it('rejects temperature, top_p and top_k, removed in 1.x', () => {
      for (const key of ['temperature', 'top_p', 'top_k']) {
        assert.equal(problem(body({ [key]: 0.5 })), `in.jsonl:7: ${key} was removed in the Messages API 1.x; the API rejects it — remove it`);
      }
    });

    it('rejects stream: true and anything but a boolean false', () => {
      assert.match(problem(body({ stream: true })), /stream: true is not supported: Floorline sends non-streaming requests — remove it or set it to false/);
      assert.match(problem(body({ stream: 'no' })), /stream must be false \(or left out\), got the string 'no'/);
      valid(body({ stream: false }));
    });

    it('rejects an unknown parameter, suggesting a close known one', () => {
      assert.equal(problem(body({ foo: 1 })), "in.jsonl:7: unknown parameter 'foo': messages.create does not accept it — remove it");
      assert.match(problem(body({ maxTokens: 1 })), /unknown parameter 'maxTokens' \(did you mean 'max_tokens'\?\)/);
      assert.match(problem(body({ stop_sequence: ['x'] })), /did you mean 'stop_sequences'/);
      assert.match(problem(body({ constructor: 1 })), /unknown parameter 'constructor'/);
    });

    it('rejects the SDK header fields user_profile_id and workspace_id', () => {
      for (const key of ['user_profile_id', 'workspace_id']) {
        assert.match(problem(body({ [key]: 'x' })), new RegExp(`^in.jsonl:7: ${key} is not a body parameter \\(the SDK sends it as a header\\).* — remove it$`));
      }
    });

    it('accepts every body field of MessageCreateParamsBase', () => {
      valid(
        body({
          cache_control: { type: 'ephemeral' },
          container: 'cntr_1',
          diagnostics: { previous_message_id: null },
          inference_geo: 'us',
          metadata: { user_id: 'u' },
          output_config: { effort: 'low' },
          service_tier: 'auto',
          speed: 'fast',
          stop_sequences: ['\n\nHuman:'],
          stream: false,
          system: 'be brief',
          thinking: { type: 'adaptive' },
          tool_choice: { type: 'auto' },
          tools: [{ name: 't', input_schema: { type: 'object' } }],
        }),
      );
    });

    it('checks system', () => {
      valid(body({ system: [{ type: 'text', text: 'a', cache_control: { type: 'ephemeral' } }] }));
      assert.match(problem(body({ system: 3 })), /system must be a string or an array of text blocks, got 3/);
      assert.match(problem(body({ system: [{ type: 'image' }] })), /system\[0\] must be a text block like \{"type": "text", "text": "..."\}, got an object/);
    });

    it('checks stop_sequences, tools, metadata, tool_choice and the enumerations', () => {
      assert.match(problem(body({ stop_sequences: 'x' })), /stop_sequences must be an array of strings, got the string 'x'/);
      assert.match(problem(body({ stop_sequences: ['a', 1] })), /stop_sequences\[1\] must be a string, got 1/);
      assert.match(problem(body({ tools: {} })), /tools must be an array of tool definitions, got an object/);
      assert.match(problem(body({ tools: [{}, 'x'] })), /tools\[1\] must be a tool definition object, got the string 'x'/);
      assert.match(problem(body({ metadata: 'x' })), /metadata must be an object such as \{"user_id": "..."\}, got the string 'x'/);
      assert.match(problem(body({ tool_choice: 'auto' })), /tool_choice must be an object with a type, such as \{"type": "auto"\}/);
      assert.match(problem(body({ service_tier: 'priority' })), /service_tier must be one of 'auto', 'standard_only', got the string 'priority'/);
      assert.match(problem(body({ speed: 'slow' })), /speed must be one of 'standard', 'fast', null/);
      assert.match(problem(body({ cache_control: 'yes' })), /cache_control must be \{"type": "ephemeral"\} or null/);
    });

    it('checks thinking, and an enabled budget against max_tokens', () => {
      valid(body({ max_tokens: 4096, thinking: { type: 'enabled', budget_tokens: 2048 } }));
      assert.match(problem(body({ thinking: true })), /thinking must be an object with a type, such as \{"type": "adaptive"\}, got true/);
      assert.match(problem(body({ thinking: {} })), /thinking must be an object with a type/);
      assert.match(problem(body({ max_tokens: 4096, thinking: { type: 'enabled' } })), /thinking.budget_tokens must be a whole number of tokens \(thinking.type is 'enabled'\), got nothing/);
      assert.match(problem(body({ max_tokens: 4096, thinking: { type: 'enabled', budget_tokens: 500 } })), /thinking.budget_tokens must be at least 1024, got 500/);
      assert.equal(
        problem(body({ max_tokens: 2048, thinking: { type: 'enabled', budget_tokens: 2048 } })),
        'in.jsonl:7: thinking.budget_tokens (2048) must be less than max_tokens (2048): raise max_tokens or lower the budget',
      );
      // Compared with the default max_tokens when the line has none.
      assert.match(problem({ model: 'm', messages: OK.messages, thinking: { type: 'enabled', budget_tokens: 2000 } }, { maxTokens: 1500 }), /less than max_tokens \(1500\)/);
    });
  });

  it('reports every problem of a line, in field order', () => {
    const all = problems({ max_tokens: 'x', messages: [], temperature: 1 });
    assert.deepEqual(all, [
      'in.jsonl:7: model is missing (set it on the line or pass --model)',
      "in.jsonl:7: max_tokens must be a positive whole number of tokens such as 1024, got the string 'x'",
      'in.jsonl:7: messages is empty: give at least one message, e.g. [{"role": "user", "content": "Hello"}]',
      'in.jsonl:7: temperature was removed in the Messages API 1.x; the API rejects it — remove it',
    ]);
  });

  describe('unknown models', () => {
    const isKnownModel = (m: string): boolean => m === 'claude-haiku-4-5';

    it('is a warning, not an error: the request is still valid', () => {
      const { request, warnings } = valid(body({ model: 'claude-nova-9' }), { isKnownModel });
      assert.equal(request.params.model, 'claude-nova-9');
      assert.deepEqual(warnings, [
        "in.jsonl:7: warning: unknown model 'claude-nova-9': no price is known, its cost will not count toward the spend cap — give a price with --price",
      ]);
      assert.deepEqual(valid(OK, { isKnownModel }).warnings, []);
    });

    it('comes with the errors when the line also has some', () => {
      const r = parseLine(JSON.stringify(body({ model: 'x', max_tokens: -1 })), 1, { isKnownModel });
      assert.ok('problems' in r);
      assert.deepEqual(r.problems.map((p) => p.severity), ['warning', 'error']);
    });
  });

  it('formats problems as file:line: message, warnings prefixed', () => {
    assert.equal(formatProblem({ file: 'a.jsonl', line: 3, message: 'boom', severity: 'error' }), 'a.jsonl:3: boom');
    assert.equal(formatProblem({ file: 'a.jsonl', line: 3, message: 'hmm', severity: 'warning' }), 'a.jsonl:3: warning: hmm');
  });

  it('knows blank lines', () => {
    assert.ok(isBlankLine(''));
    assert.ok(isBlankLine(' \t '));
    assert.ok(!isBlankLine(' {}'));
  });

  describe('max_tokens ceilings', () => {
    it("refuses more than the model's own maximum, naming it, and accepts the maximum", () => {
      valid(body({ max_tokens: 64_000 }));
      assert.equal(
        problem(body({ max_tokens: 64_001 })),
        "in.jsonl:7: max_tokens is 64001, more than 'claude-haiku-4-5' can produce: its maximum is 64,000 — lower max_tokens",
      );
      valid(body({ model: 'claude-opus-4-6', max_tokens: 128_000 }));
      assert.match(problem(body({ model: 'claude-opus-4-6', max_tokens: 128_001 })), /its maximum is 128,000/);
    });

    it('applies the alias maximum to a dated id', () => {
      assert.match(problem(body({ model: 'claude-haiku-4-5-20251001', max_tokens: 64_001 })), /more than 'claude-haiku-4-5-20251001' can produce: its maximum is 64,000/);
    });

    it('refuses 1e12 for any model, including one it does not know', () => {
      assert.match(problem(body({ max_tokens: 1e12 })), /max_tokens is 1000000000000, more than 'claude-haiku-4-5' can produce/);
      assert.equal(
        problem(body({ model: 'my-finetune', max_tokens: 1e12 })),
        'in.jsonl:7: max_tokens is 1000000000000, more than any model can produce: Floorline refuses max_tokens over 1,000,000 — lower max_tokens',
      );
      valid(body({ model: 'my-finetune', max_tokens: 1_000_000 }));
      assert.match(problem(body({ model: 'my-finetune', max_tokens: 1_000_001 })), /refuses max_tokens over 1,000,000/);
    });

    it('gives model names that are Object.prototype properties the sanity ceiling, not a prototype hit', () => {
      for (const model of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
        assert.match(problem(body({ model, max_tokens: 1e12 })), /more than any model can produce/, model);
      }
    });

    it('names the field and where a default came from', () => {
      assert.match(problem({ custom_id: 'a', params: body({ max_tokens: 70_000 }) }), /^in.jsonl:7: params.max_tokens is 70000, more than 'claude-haiku-4-5'/);
      assert.match(problem({ model: 'claude-haiku-4-5', messages: OK.messages }, { maxTokens: 100_000 }), /max_tokens \(the default from --max-tokens\) is 100000, more than/);
    });
  });

  describe('request size', () => {
    const MAX = 32_000_000;
    /** A valid line of exactly `bytes` bytes, its content made of `char` (1 or 2 bytes of UTF-8). */
    const lineOf = (bytes: number, char = 'x'): string => {
      const frame = JSON.stringify(body({ messages: [{ role: 'user', content: '' }] }));
      const room = bytes - Buffer.byteLength(frame);
      const unit = Buffer.byteLength(char);
      const content = char.repeat(Math.floor(room / unit)) + 'x'.repeat(room % unit);
      const text = JSON.stringify(body({ messages: [{ role: 'user', content }] }));
      assert.equal(Buffer.byteLength(text), bytes);
      return text;
    };

    it('refuses a line over 32 MB, with its size, and accepts one of exactly 32,000,000 bytes', () => {
      valid(lineOf(MAX));
      assert.equal(
        problem(lineOf(MAX + 1)),
        'in.jsonl:7: the line is 32,000,001 bytes: the API accepts at most 32 MB per request (32,000,000 bytes) — make the request smaller',
      );
    });

    it('counts bytes, not characters', () => {
      const text = lineOf(MAX + 1, 'é'); // ~16M characters, 32M bytes
      assert.ok(text.length < MAX);
      assert.match(problem(text), /the line is 32,000,001 bytes/);
    });

    it('measures what is sent when re-serialising makes it bigger than the line (numbers written out in full)', function () {
      this.timeout(20_000);
      // 1e20 is 4 characters on the line and 21 as sent: 1.6M of them are a ~8 MB line and a ~35 MB body.
      const numbers = `[${Array.from({ length: 1_600_000 }, () => '1e20').join(',')}]`;
      const text = `{"model":"claude-haiku-4-5","max_tokens":10,"messages":[{"role":"user","content":"hi"}],"metadata":{"n":${numbers}}}`;
      assert.ok(Buffer.byteLength(text) < MAX);
      assert.match(problem(text), /^in.jsonl:7: the request body is 35,\d{3},\d{3} bytes as sent \(numbers such as 1e20 are written out in full\): the API accepts at most 32 MB per request/);
    });
  });

  describe('nesting depth', () => {
    // The body object is level 1 and metadata level 2, so `n` arrays inside it reach level n + 2.
    const nested = (n: number): string => `{"model":"claude-haiku-4-5","max_tokens":10,"messages":[{"role":"user","content":"hi"}],"metadata":{"x":${'['.repeat(n)}${']'.repeat(n)}}}`;

    it('accepts 512 levels and refuses 513, with the column of the bracket that goes too deep', () => {
      valid(nested(510));
      const text = nested(511);
      const message = problem(text);
      assert.match(message, /^in.jsonl:7: the line nests arrays and objects more than 512 levels deep \(at column \d+\): Floorline refuses deeper nesting, which would overflow the call stack when the request is serialised for sending — flatten the data$/);
      const column = Number(/at column (\d+)/.exec(message)?.[1]);
      assert.equal(column - 1, text.indexOf('[[') + 510);
    });

    it('refuses 10,000 and 1,000,000 levels without overflowing the stack itself', () => {
      assert.match(problem(nested(10_000)), /more than 512 levels deep/);
      assert.match(problem(nested(1_000_000)), /more than 512 levels deep/);
    });

    it('does not count brackets inside strings, escaped quotes included', () => {
      valid(body({ messages: [{ role: 'user', content: '['.repeat(5000) + '{'.repeat(5000) }] }));
      valid(body({ messages: [{ role: 'user', content: `"${'['.repeat(5000)}` }] }));
      // A string ending in a backslash: `\\"` closes it, and the nesting after it still counts.
      assert.match(problem(nested(600).replace('"hi"', JSON.stringify('hi\\'))), /more than 512 levels deep/);
    });
  });
});
