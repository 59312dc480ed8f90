import assert from 'node:assert/strict';
import type { ResultDetail, ResultRow, ResultsTotals } from '../../../../src/core/results/result-rows';
import type { ResultLine } from '../../../../src/core/types';
import { formatLatency } from '../../../../src/core/format';
import {
  clip,
  copyText,
  MAX_BLOCKS,
  MAX_BODY_CHARS,
  prettyJson,
  replyBlock,
  toResultDetailModel,
  toResultRowModel,
  toResultsTotalsModel,
} from '../../../../src/extension/view-model/results-model';

function row(over: Partial<ResultRow> = {}): ResultRow {
  return {
    row: 4,
    line: 5,
    customId: 'req-5',
    status: 'succeeded',
    model: 'claude-sonnet-4-6',
    fallbackFrom: undefined,
    inputTokens: 1234,
    outputTokens: 56,
    cacheReadTokens: null,
    cacheWriteTokens: null,
    costUsd: 0.0129,
    latencyMs: 1_234,
    attempts: 1,
    errorType: undefined,
    preview: 'Hello there',
    simulated: false,
    ...over,
  };
}

function succeeded(content: unknown, over: Partial<ResultRow> = {}, line: Partial<ResultLine> = {}): ResultDetail {
  return {
    row: row(over),
    result: {
      custom_id: 'req-5',
      result: { type: 'succeeded', message: { id: 'msg_1', type: 'message', role: 'assistant', content, stop_reason: 'end_turn' } },
      model: 'claude-sonnet-4-6',
      latency_ms: 1234,
      attempts: 1,
      cost_usd: 0.0129,
      usage: { input_tokens: 1234, output_tokens: 56 },
      ...line,
    },
  };
}

function errored(): ResultDetail {
  return {
    row: row({ status: 'errored', errorType: 'rate_limit_error', preview: 'Too many requests', costUsd: null, outputTokens: null, attempts: 5 }),
    result: {
      custom_id: 'req-5',
      result: { type: 'errored', error: { type: 'error', error: { type: 'rate_limit_error', message: 'Too many requests' }, request_id: 'req_011abc' } },
      model: 'claude-sonnet-4-6',
      latency_ms: null,
      attempts: 5,
      cost_usd: null,
      usage: null,
    },
  };
}

const TOTALS: ResultsTotals = {
  rows: 1204,
  succeeded: 1200,
  errored: 3,
  canceled: 1,
  expired: 0,
  costUsd: 3.281,
  inputTokens: 1_500_000,
  outputTokens: 42_000,
  cacheReadTokens: 0,
  cacheWriteTokens: 900,
  latencyP50Ms: 850,
  latencyP95Ms: 3_400,
  models: [{ model: 'claude-sonnet-4-6', rows: 1204 }],
  simulatedRows: 0,
  unreadable: 0,
  unreadableLines: [],
  partialTail: false,
  bytes: 1_000_000,
};

const fact = (facts: Array<{ label: string; value: string }>, label: string) => facts.find((f) => f.label === label)?.value;

describe('results view-model', () => {
  describe('rows', () => {
    it('formats a row for the table', () => {
      const m = toResultRowModel(row());
      assert.deepEqual(m, {
        row: 4,
        customId: 'req-5',
        status: 'succeeded',
        model: 'claude-sonnet-4-6',
        inputTokens: '1,234',
        outputTokens: '56',
        cost: '$0.0129',
        latency: '1.2 s',
        attempts: '1',
        preview: 'Hello there',
      });
    });

    it('says an error by its type, unknown numbers as a dash, a fallback and a rehearsal', () => {
      const m = toResultRowModel(row({ status: 'errored', errorType: 'overloaded_error', preview: 'overloaded_error: Overloaded', inputTokens: null, costUsd: null, latencyMs: null }));
      assert.equal(m.preview, 'overloaded_error: Overloaded');
      assert.equal(m.inputTokens, '–');
      assert.equal(m.cost, '–');
      assert.equal(m.latency, '–');
      assert.equal(toResultRowModel(row({ fallbackFrom: 'claude-opus-4-7' })).model, 'claude-sonnet-4-6 (from claude-opus-4-7)');
      assert.match(toResultRowModel(row({ simulated: true })).cost, /sim/);
    });

    it('keeps a preview and an id on one short line', () => {
      const m = toResultRowModel(row({ preview: `a\nb\tc\u0007${'x'.repeat(1_000)}`, customId: 'id\nwith\nnewlines' }));
      assert.ok(!/[\n\t\u0007]/.test(m.preview));
      assert.ok(m.preview.length <= 200);
      assert.ok(m.preview.endsWith('…'));
      assert.equal(m.customId, 'id with newlines');
    });
  });

  describe('totals', () => {
    it('sums a file up', () => {
      const m = toResultsTotalsModel(TOTALS, { fileName: 'jobs.results.jsonl', hasInput: true, canRun: true });
      assert.equal(m.rowsText, '1,204 results');
      assert.deepEqual(m.counts, { succeeded: 1200, errored: 3, canceled: 1, expired: 0 });
      assert.equal(m.spendText, '$3.28');
      assert.equal(m.simulated, false);
      assert.deepEqual(m.tokens, [
        { label: 'Input', value: '1.5M' },
        { label: 'Output', value: '42k' },
        { label: 'Cache write', value: '900' },
      ]);
      assert.equal(m.latencyText, 'p50 850 ms · p95 3.4 s');
      assert.equal(m.growing, false);
      assert.equal(m.warning, '');
      assert.equal(m.hasInput, true);
      assert.equal(m.canRun, true);
      assert.equal(toResultsTotalsModel({ ...TOTALS, rows: 1 }, { fileName: 'f', hasInput: false, canRun: false }).rowsText, '1 result');
    });

    it('marks a rehearsal\'s spend as simulated, wholly or in part', () => {
      assert.equal(toResultsTotalsModel({ ...TOTALS, simulatedRows: 1204 }, { fileName: 'f', hasInput: true, canRun: true }).spendText, '$3.28 simulated');
      const some = toResultsTotalsModel({ ...TOTALS, simulatedRows: 4 }, { fileName: 'f', hasInput: true, canRun: true });
      assert.equal(some.spendText, '$3.28 (4 rows simulated)');
      assert.equal(some.simulated, true);
    });

    it('says which lines are not results, and follows a growing file', () => {
      const m = toResultsTotalsModel({ ...TOTALS, unreadable: 7, unreadableLines: [3, 9, 12, 40, 41, 42], partialTail: true }, { fileName: 'f', hasInput: true, canRun: true });
      assert.equal(m.warning, '7 lines are not results and not shown (lines 3, 9, 12, 40, 41, …).');
      assert.equal(m.growing, true, 'an incomplete last line: being written');
      assert.equal(toResultsTotalsModel({ ...TOTALS, unreadable: 1, unreadableLines: [2] }, { fileName: 'f', hasInput: true, canRun: true }).warning, '1 line is not results and not shown (line 2).');
      assert.equal(toResultsTotalsModel(TOTALS, { fileName: 'f', hasInput: true, canRun: true, growing: true }).growing, true);
      assert.equal(toResultsTotalsModel({ ...TOTALS, latencyP50Ms: null, latencyP95Ms: null }, { fileName: 'f', hasInput: true, canRun: true }).latencyText, '–');
    });
  });

  describe('detail', () => {
    const request = { line: 5, text: '{"custom_id":"req-5","params":{"model":"claude-sonnet-4-6","max_tokens":10}}' };

    it('lists the facts of a success, pretty-prints its request and renders its reply', () => {
      const d = toResultDetailModel(succeeded([{ type: 'text', text: 'Hi!' }], { cacheReadTokens: 100 }), request);
      assert.equal(d.row, 4);
      assert.equal(d.line, 5);
      assert.equal(d.customId, 'req-5');
      assert.equal(fact(d.facts, 'Model'), 'claude-sonnet-4-6');
      assert.equal(fact(d.facts, 'Input tokens'), '1,234');
      assert.equal(fact(d.facts, 'Output tokens'), '56');
      assert.equal(fact(d.facts, 'Cache read tokens'), '100');
      assert.equal(fact(d.facts, 'Cache write tokens'), undefined, 'none written: not listed');
      assert.equal(fact(d.facts, 'Cost'), '$0.0129');
      assert.equal(fact(d.facts, 'Latency'), '1.2 s');
      assert.equal(fact(d.facts, 'Attempts'), '1');
      assert.equal(fact(d.facts, 'Stop reason'), 'end_turn');
      assert.deepEqual(d.request, { line: 5, json: JSON.stringify(JSON.parse(request.text), null, 2) });
      assert.deepEqual(d.reply, [{ kind: 'text', title: 'Text', body: 'Hi!' }]);
      assert.equal(d.error, undefined);
    });

    it('says a fallback, a batch price, and that a rehearsal\'s cost is simulated', () => {
      const fb = toResultDetailModel(succeeded([], { fallbackFrom: 'claude-opus-4-7' }), request);
      assert.equal(fact(fb.facts, 'Model'), 'claude-sonnet-4-6 (fallback from claude-opus-4-7)');
      const sim = toResultDetailModel(succeeded([], { simulated: true }, { simulated: true }), request);
      assert.match(fact(sim.facts, 'Cost')!, /simulated/);
      const batch = toResultDetailModel(succeeded([], {}, { usage: { input_tokens: 1, output_tokens: 1, service_tier: 'batch' } }), request);
      assert.equal(fact(batch.facts, 'Cost'), '$0.0129 (batch price)');
    });

    it('shows an error envelope and its request id', () => {
      const d = toResultDetailModel(errored(), { missing: 'The input file jobs.jsonl is not beside jobs.results.jsonl.' });
      assert.equal(d.status, 'errored');
      assert.equal(fact(d.facts, 'Error'), 'rate_limit_error · Too many requests');
      assert.equal(fact(d.facts, 'Request id'), 'req_011abc');
      assert.equal(fact(d.facts, 'Cost'), 'not known');
      assert.equal(fact(d.facts, 'Attempts'), '5');
      assert.deepEqual(d.request, { missing: 'The input file jobs.jsonl is not beside jobs.results.jsonl.' });
      assert.deepEqual(d.reply, []);
      assert.equal(d.error, JSON.stringify({ type: 'error', error: { type: 'rate_limit_error', message: 'Too many requests' }, request_id: 'req_011abc' }, null, 2));
    });

    it('shows a request line that is not JSON as it is', () => {
      const d = toResultDetailModel(succeeded([]), { line: 2, text: 'not json {' });
      assert.deepEqual(d.request, { line: 2, json: 'not json {' });
    });

    it('renders each kind of reply block readably', () => {
      const blocks = [
        { type: 'thinking', thinking: 'Let me think.', signature: 'sig' },
        { type: 'redacted_thinking', data: 'abcdef' },
        { type: 'tool_use', id: 'tu_1', name: 'get_weather', input: { city: 'Paris' } },
        { type: 'server_tool_use', id: 'st_1', name: 'web_search', input: { query: 'floors' } },
        { type: 'web_search_tool_result', tool_use_id: 'st_1', content: [{ type: 'web_search_result', title: 'Floors', url: 'https://example.com/f', encrypted_content: 'xx' }] },
        { type: 'code_execution_tool_result', tool_use_id: 'c', content: { type: 'code_execution_result', stdout: 'ok', stderr: '', return_code: 0 } },
        { type: 'tool_result', tool_use_id: 'tu_1', is_error: true, content: [{ type: 'text', text: 'boom' }] },
        { type: 'mcp_tool_use', id: 'm', name: 'search', server_name: 'docs', input: {} },
        { type: 'container_upload', file_id: 'f' },
      ];
      const d = toResultDetailModel(succeeded(blocks), request);
      assert.deepEqual(
        d.reply.map((b) => [b.kind, b.title]),
        [
          ['thinking', 'Thinking'],
          ['thinking', 'Thinking (redacted)'],
          ['tool_use', 'Tool use: get_weather'],
          ['tool_use', 'Server tool use: web_search'],
          ['tool_result', 'Tool result: web search'],
          ['tool_result', 'Tool result: code execution'],
          ['tool_result', 'Tool result (error)'],
          ['tool_use', 'MCP tool use: docs · search'],
          ['other', 'Block: container_upload'],
        ],
      );
      assert.equal(d.reply[0]!.body, 'Let me think.');
      assert.match(d.reply[1]!.body, /encrypted/);
      assert.ok(!d.reply[1]!.body.includes('abcdef'), 'the encrypted data is not shown');
      assert.equal(d.reply[2]!.body, '{\n  "city": "Paris"\n}');
      assert.equal(d.reply[4]!.body, 'Floors\n  https://example.com/f');
      assert.match(d.reply[5]!.body, /"stdout": "ok"/);
      assert.equal(d.reply[6]!.body, 'boom');
      assert.match(d.reply[8]!.body, /"file_id": "f"/);
    });

    it('treats hostile blocks as data: constructor, __proto__, no type, not an object', () => {
      assert.deepEqual(replyBlock({ type: 'constructor', x: 1 }), { kind: 'other', title: 'Block: constructor', body: '{\n  "type": "constructor",\n  "x": 1\n}' });
      assert.equal(replyBlock(JSON.parse('{"type":"__proto__","text":"x"}')).title, 'Block: __proto__');
      assert.equal(replyBlock({ type: 'toString' }).kind, 'other');
      assert.equal(replyBlock({ text: 'no type' }).title, 'Block');
      assert.deepEqual(replyBlock('just a string'), { kind: 'other', title: 'Block', body: '"just a string"' });
      assert.deepEqual(replyBlock(null), { kind: 'other', title: 'Block', body: 'null' });
      // A text block whose text is not a string: shown as JSON, not thrown.
      assert.match(replyBlock({ type: 'text', text: { evil: true } }).body, /"evil": true/);
      // A title from the file stays one line.
      assert.equal(replyBlock({ type: 'tool_use', name: 'a\nb', input: {} }).title, 'Tool use: a b');
      // A message without a content array is shown whole.
      const d = toResultDetailModel(succeeded('not an array'), { missing: 'x' });
      assert.equal(d.reply.length, 1);
      assert.equal(d.reply[0]!.kind, 'other');
    });

    it('cuts huge text sensibly, and says so', () => {
      const huge = 'a'.repeat(MAX_BODY_CHARS * 3);
      const d = toResultDetailModel(succeeded([{ type: 'text', text: huge }]), { line: 1, text: JSON.stringify({ prompt: huge }) });
      const body = d.reply[0]!.body;
      assert.ok(body.length < MAX_BODY_CHARS + 200);
      assert.match(body, /… 200,000 more characters not shown \(Copy gets all of them\)$/);
      assert.ok('json' in d.request && d.request.json.length < MAX_BODY_CHARS + 200);
      // Never inside a surrogate pair.
      const emoji = `${'a'.repeat(9)}😀tail`;
      assert.ok(!clip(emoji, 10).startsWith(`${'a'.repeat(9)}\ud83d`), 'a lone high surrogate would be cut');
      assert.ok(clip(emoji, 10).startsWith(`${'a'.repeat(9)}\n`));
      assert.equal(clip('short', 10), 'short');
      // Too many blocks: the rest are counted, not rendered.
      const many = toResultDetailModel(succeeded(Array.from({ length: MAX_BLOCKS + 5 }, () => ({ type: 'text', text: 'x' }))), { missing: 'x' });
      assert.equal(many.reply.length, MAX_BLOCKS + 1);
      assert.match(many.reply.at(-1)!.body, /^5 more blocks/);
    });

    it('says canceled and expired rows plainly', () => {
      const canceled: ResultDetail = { row: row({ status: 'canceled' }), result: { custom_id: 'req-5', result: { type: 'canceled' }, model: 'm', latency_ms: null, attempts: 0, cost_usd: null, usage: null } };
      const d = toResultDetailModel(canceled, { missing: 'x' });
      assert.match(fact(d.facts, 'Outcome')!, /canceled/);
      assert.equal(d.error, undefined);
    });
  });

  describe('copy', () => {
    const request = { line: 5, text: '{"custom_id":"req-5"}' };
    it('copies the reply\'s text whole, the request as the input has it, the error and the id', () => {
      const huge = 'b'.repeat(MAX_BODY_CHARS * 2);
      const detail = succeeded([{ type: 'thinking', thinking: 'hmm' }, { type: 'text', text: huge }, { type: 'text', text: 'end' }]);
      assert.equal(copyText(detail, 'reply', request), `${huge}\n\nend`);
      assert.equal(copyText(detail, 'request', request), request.text);
      assert.equal(copyText(detail, 'request', { missing: 'gone' }), undefined);
      assert.equal(copyText(detail, 'customId', request), 'req-5');
      assert.equal(copyText(detail, 'error', request), undefined);
      assert.match(copyText(errored(), 'error', request)!, /"request_id": "req_011abc"/);
      assert.equal(copyText(errored(), 'reply', request), undefined);
      // Only tool calls: the content as JSON.
      assert.match(copyText(succeeded([{ type: 'tool_use', name: 't', input: {} }]), 'reply', request)!, /"tool_use"/);
    });
  });

  it('formats latency and JSON that cannot be written', () => {
    assert.equal(formatLatency(0), '0 ms');
    assert.equal(formatLatency(999), '999 ms');
    assert.equal(formatLatency(59_999), '60.0 s');
    assert.equal(formatLatency(125_000), '2m05s');
    assert.equal(formatLatency(-1), '–');
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    assert.match(prettyJson(cycle), /^\(cannot be shown as JSON/);
    assert.equal(prettyJson(undefined), 'undefined');
  });
});
