// A program's requests → the dispatcher's: read one at a time (the run's queue pulls, a little
// ahead of what it sends, so a generator of any length costs constant memory), each checked by
// the same validation as a line of an input file. A bad item never reaches the dispatcher: it is
// handed to `onInvalid` as an errored result and reading goes on.
import { parseLine, type InputDefaults } from '../core/input/validate-line';
import { isObject } from '../core/input/json-values';
import { envelope } from '../core/dispatch/retry-policy';
import type { InputRequest } from '../core/types';
import type { DispatchResult, RequestItem } from './types';

/** Labels the validation's problems (they name a field, and here the item's number). */
const SOURCE_NAME = '<requests>';

/**
 * The valid requests of `source`, lazily, named `item-<n>` (1-based) when they carry no custom_id.
 * The item is serialised and validated as a line: the one validator, and a copy, so the defaults
 * it applies never write into the caller's object.
 */
export async function* validatedRequests(
  source: Iterable<RequestItem> | AsyncIterable<RequestItem>,
  defaults: InputDefaults,
  onInvalid: (result: DispatchResult) => void,
): AsyncGenerator<InputRequest> {
  let n = 0;
  for await (const item of source) {
    n++;
    const checked = check(item, n, defaults);
    if ('request' in checked) yield checked.request;
    else onInvalid(invalidResult(item, n, checked.message));
  }
}

function check(item: unknown, n: number, defaults: InputDefaults): { request: InputRequest } | { message: string } {
  let text: string | undefined;
  try {
    text = JSON.stringify(item);
  } catch (err) {
    // A cycle, a BigInt, or nesting deep enough to overflow the stack: the SDK could not send it either.
    return { message: `the request cannot be serialised as JSON: ${(err as Error).message}` };
  }
  if (text === undefined) return { message: `the request must be an object (a messages.create body, or {"custom_id": ..., "params": {...}}), got ${typeof item}` };
  const parsed = parseLine(text, n, defaults, SOURCE_NAME, 'item');
  if ('request' in parsed) return { request: parsed.request };
  const problem = parsed.problems.find((p) => p.severity === 'error') ?? parsed.problems[0];
  return { message: problem?.message ?? 'invalid request' };
}

/** The errored result of an item refused before sending: what the API would have answered, a 400. */
function invalidResult(item: unknown, n: number, message: string): DispatchResult {
  const record = isObject(item) ? item : {};
  const body = isObject(record.params) ? record.params : record;
  const ownId = typeof record.custom_id === 'string' && record.custom_id !== '' ? record.custom_id : undefined;
  return {
    type: 'result',
    customId: ownId ?? `item-${n}`,
    error: envelope('invalid_request_error', `item ${n}: ${message}`),
    model: typeof body.model === 'string' ? body.model : '',
    latencyMs: null,
    attempts: 0,
    costUsd: 0,
    usage: null,
  };
}
