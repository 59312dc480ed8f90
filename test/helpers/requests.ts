// Input requests as the run reads them from a file, for tests that hand a dispatcher lines directly.
import type { InputRequest } from '../../src/core/types';

/** Request `i` (line i + 1, custom_id `r<i>`), with a short prompt of its own. */
export function inputRequest(i: number, model = 'claude-haiku-4-5'): InputRequest {
  return { customId: `r${i}`, line: i + 1, params: { model, max_tokens: 100, messages: [{ role: 'user', content: `prompt ${i}` }] } };
}

/** The requests as the stream a run reads. */
export async function* source(items: InputRequest[]): AsyncIterable<InputRequest> {
  yield* items;
}
