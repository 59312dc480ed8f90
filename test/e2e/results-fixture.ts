// A finished run's files as the results editor meets them: an input of N requests and its results
// file, most lines succeeded and a known set errored / canceled, written the way Floorline writes
// them (one JSON line each, the Batches shape plus Floorline's fields). Each request carries its id
// in `metadata.user_id`, which the mock API counts by (`receivedByKey`): a re-run is checked at the
// server by exactly which ids reached it.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ResultsFixture {
  inputPath: string;
  resultsPath: string;
  ids: string[];
  errored: string[];
  canceled: string[];
}

const MODELS = ['claude-haiku-4-5', 'claude-sonnet-4-6'];

const idOf = (i: number) => `req-${String(i).padStart(5, '0')}`;

export function writeResultsFixture(dir: string, name: string, lines: number): ResultsFixture {
  const ids = Array.from({ length: lines }, (_, i) => idOf(i));
  const input = ids.map((id, i) =>
    JSON.stringify({
      custom_id: id,
      params: { model: MODELS[i % 2], max_tokens: 64, metadata: { user_id: id }, messages: [{ role: 'user', content: `Summarise item ${i} in one line.` }] },
    }),
  );
  const errored: string[] = [];
  const canceled: string[] = [];
  const results = ids.map((id, i) => {
    const model = MODELS[i % 2]!;
    const common = { custom_id: id, model, attempts: 1 };
    if (i % 997 === 13) {
      errored.push(id);
      return JSON.stringify({
        ...common,
        result: { type: 'errored', error: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' }, request_id: `req_err_${i}` } },
        latency_ms: 30_000,
        attempts: 5,
        cost_usd: 0,
        usage: null,
      });
    }
    if (i % 1499 === 7) {
      canceled.push(id);
      return JSON.stringify({ ...common, result: { type: 'canceled' }, latency_ms: null, cost_usd: 0, usage: null });
    }
    const input_tokens = 20 + (i % 13);
    const output_tokens = 10 + ((i * 7) % 50);
    return JSON.stringify({
      ...common,
      result: {
        type: 'succeeded',
        message: {
          id: `msg_${i}`,
          type: 'message',
          role: 'assistant',
          model,
          content: [{ type: 'text', text: `Item ${i} is summarised here.\nA second line the table does not show.` }],
          stop_reason: 'end_turn',
          stop_sequence: null,
          usage: { input_tokens, output_tokens },
        },
      },
      latency_ms: 800 + ((i * 37) % 4000),
      cost_usd: Number(((input_tokens * 1 + output_tokens * 5) / 1e6).toFixed(8)),
      usage: { input_tokens, output_tokens },
    });
  });
  const inputPath = join(dir, `${name}.jsonl`);
  const resultsPath = join(dir, `${name}.results.jsonl`);
  writeFileSync(inputPath, `${input.join('\n')}\n`);
  writeFileSync(resultsPath, `${results.join('\n')}\n`);
  return { inputPath, resultsPath, ids, errored, canceled };
}
