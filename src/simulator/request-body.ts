// A Messages request body as the simulated API reads it: JSON of at most the size limit, then the
// same rules a run's validation applies to a line (core's `requestBodyErrors`), so the mock refuses
// exactly what Floorline refuses before sending. Where the API's own answer differs from those rules
// (it streams; count_tokens takes no max_tokens) the options say so; the answer is the API's 400.
import { createHash } from 'node:crypto';
import { requestBodyErrors } from '../core/input/validate-line';
import { isRecord } from './http';
import type { ApiError, MockRequestBody } from './types';

/** The API's request size limit (256 MB for batch creation, see ./batches). */
export const MAX_BODY_BYTES = 32 * 1024 * 1024;

type Checked = { body: MockRequestBody } | { error: ApiError };

/** Parse and validate a request body the way the API does, or say why it is refused. */
export function parseBody(raw: Buffer | null, isCreate: boolean): Checked {
  const json = parseJson(raw);
  return 'error' in json ? json : validateBody(json.value, isCreate);
}

/** The body as JSON, or the API's refusal of a body too large or not JSON. */
export function parseJson(raw: Buffer | null): { value: unknown } | { error: ApiError } {
  if (raw === null) return { error: { status: 413, type: 'request_too_large', message: 'Request exceeds the maximum allowed number of bytes.' } };
  try {
    return { value: JSON.parse(raw.toString('utf8')) as unknown };
  } catch {
    return { error: badRequest('There was an error parsing the body of your request: invalid JSON') };
  }
}

/**
 * The checks of a parsed Messages body (also applied to each batch request's `params`): a POST
 * /v1/messages body (`isCreate`) needs `max_tokens`, a count_tokens body does not. The first
 * problem is the answer, as the API names one.
 */
export function validateBody(body: unknown, isCreate: boolean): Checked {
  if (!isRecord(body)) return { error: badRequest('request body must be a JSON object') };
  const [first] = requestBodyErrors(body, { allowStream: true, maxTokensOptional: !isCreate });
  return first === undefined ? { body: body as MockRequestBody } : { error: badRequest(first) };
}

/** The key a request is counted under in `receivedByKey` and `completionsByKey`. */
export function requestKey(body: { metadata?: unknown; messages?: unknown }): string {
  const meta = body.metadata;
  if (isRecord(meta) && typeof meta.user_id === 'string') return meta.user_id;
  return 'messages:' + createHash('sha256').update(JSON.stringify(body.messages) ?? '').digest('hex').slice(0, 16);
}

function badRequest(message: string): ApiError {
  return { status: 400, type: 'invalid_request_error', message };
}
