// The Message Batches routes (/v1/messages/batches…) over the BatchStore of ./batches, and how a
// batch request is answered and billed: as a live request would be at its moment, but outside the
// live buckets and at half price.
import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BatchApiError, MAX_BATCH_BYTES, validateBatchBody, type MockBatchResult, type MockMessageBatch } from './batch-wire';
import { generateReply, planReply, type ReplyPlan } from './reply-plan';
import { validateBody } from './request-body';
import type { BatchAnswers, Simulation } from './simulation';

export const BATCH_ROUTE = /^\/v1\/messages\/batches(?:\/([^/]+)(?:\/(results|cancel))?)?$/;

export async function onBatches(
  sim: Simulation,
  req: IncomingMessage,
  res: ServerResponse,
  raw: Buffer | null,
  url: URL,
  rawId: string | undefined,
  action: string | undefined,
): Promise<void> {
  // Batch routes answer without rate-limit headers and stay out of `byStatus`, which describes
  // the live POST /v1/messages traffic; injected errors are kept for that traffic too.
  const auth = sim.authError(req);
  if (auth) return sim.sendError(res, auth, false);
  let id: string | undefined;
  try {
    id = rawId === undefined ? undefined : decodeURIComponent(rawId);
  } catch {
    id = rawId;
  }
  const store = sim.batches;
  const ok = (body: unknown) => sim.send(res, 200, body, { messagesRoute: false });
  try {
    const method = req.method ?? 'GET';
    if (id === undefined && method === 'POST') return ok(createBatch(sim, raw));
    if (id === undefined && method === 'GET') return ok(store.list(url.searchParams));
    if (id !== undefined && action === undefined && method === 'GET') return ok(store.retrieve(id));
    if (id !== undefined && action === undefined && method === 'DELETE') return ok(store.delete(id));
    if (id !== undefined && action === 'cancel' && method === 'POST') return ok(store.cancel(id));
    if (id !== undefined && action === 'results' && method === 'GET') return await sendResults(sim, res, store.results(id));
    return sim.sendError(res, { status: 404, type: 'not_found_error', message: `Not found: ${method} ${url.pathname}` }, false);
  } catch (err) {
    if (!(err instanceof BatchApiError)) throw err;
    const errorCode = err.errorCode !== undefined ? { errorCode: err.errorCode } : {};
    return sim.sendError(res, { status: err.status, type: err.type, message: err.message, ...errorCode }, false);
  }
}

function createBatch(sim: Simulation, raw: Buffer | null): MockMessageBatch {
  if (raw === null) throw new BatchApiError(413, 'request_too_large', `Request exceeds the maximum allowed number of bytes (${MAX_BATCH_BYTES} for a batch).`);
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new BatchApiError(400, 'invalid_request_error', 'There was an error parsing the body of your request: invalid JSON');
  }
  const requests = validateBatchBody(json);
  // Spend limits refuse the whole batch at creation, as they refuse a live request; a batch
  // already accepted is not cut off part-way (the mock keeps that simple).
  const refused = sim.spendError();
  if (refused) throw new BatchApiError(refused.status, refused.type, refused.message, refused.errorCode);
  const batch = sim.batches.create(requests);
  sim.stats.batchCreated(requests.length);
  return batch;
}

/** JSONL, streamed with backpressure: a 100,000-line batch is large. */
async function sendResults(sim: Simulation, res: ServerResponse, lines: Array<{ custom_id: string; result: MockBatchResult }>): Promise<void> {
  if (res.destroyed) return;
  res.writeHead(200, { 'request-id': sim.nextRequestId(), 'content-type': 'application/x-jsonl' });
  let chunk = '';
  for (const line of lines) {
    chunk += JSON.stringify(line) + '\n';
    if (chunk.length < 64 * 1024) continue;
    if (res.destroyed) return;
    const ok = res.write(chunk);
    chunk = '';
    if (!ok) await Promise.race([once(res, 'drain'), once(res, 'close')]);
  }
  if (!res.destroyed) res.end(chunk);
}

export const batchAnswers: BatchAnswers = {
  /**
   * One batch request, answered as a live POST /v1/messages would be at time `t` (same validation,
   * model check, prompt cache, output lengths and usage), but with no admission against the live
   * buckets: batches have their own pool. Errors come as the API reports them inside a batch.
   */
  answer(sim, params, t) {
    const errored = (e: { type: string; message: string }): MockBatchResult => ({
      type: 'errored',
      error: { type: 'error', error: { type: e.type, message: e.message }, request_id: null },
    });
    const checked = validateBody(params, true);
    if ('error' in checked) return errored(checked.error);
    const body = checked.body;
    // Live, an unknown model is a 404; inside a batch the API reports it as an invalid request.
    const unknownModel = sim.modelError(body.model);
    if (unknownModel) return errored({ type: 'invalid_request_error', message: unknownModel.message });
    let plan: ReplyPlan;
    try {
      plan = planReply(body, t, sim.cache, sim.outputTokens);
    } catch (err) {
      return errored({ type: 'api_error', message: `mock internal error: ${String(err)}` });
    }
    const message = generateReply(plan, t, sim.takeSequence(), sim.cache);
    message.usage.service_tier = 'batch'; // the API reports the tier a request ran in
    return { type: 'succeeded', message };
  },

  /** Counted as it settles; one bill with live spend, so spend limits see batch spend too. */
  settled(sim, result, params) {
    sim.stats.batchSettled(result, sim.batchCost(String(params.model), result));
  },
};
