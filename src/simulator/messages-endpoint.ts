// POST /v1/messages and POST /v1/messages/count_tokens: a request is counted, meets any injected
// fault, is checked (key, body, model, spend), admitted against its model class's buckets, generated
// for its latency on the simulation's clock, charged and billed, and answered (as JSON or as a
// stream) with the rate-limit headers of its class.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ModelClass } from '../core/models/model-class';
import { injectedToError, malformedBody, type MalformedReply } from './faults';
import { isRecord, sendJson, sendRaw } from './http';
import { latencyMs } from './latency';
import { hashFraction } from './replies';
import { generateReply, planReply } from './reply-plan';
import { parseBody, parseJson, requestKey, validateBody } from './request-body';
import type { Simulation } from './simulation';
import { messageEvents, openEventStream } from './streaming';
import { analyzePrompt } from './tokens';
import type { ApiError } from './types';

export async function onMessages(sim: Simulation, req: IncomingMessage, res: ServerResponse, raw: Buffer | null): Promise<void> {
  const json = parseJson(raw);
  sim.stats.received(sim.now(), 'value' in json && isRecord(json.value) ? requestKey(json.value) : undefined);
  // Every answer describes the buckets of the class the body names, even a refusal (no `model`: the
  // class of the most recent request, as `levels()` shows).
  const modelClass = classOfBody(sim, json);
  const refuse = (error: ApiError) => sim.sendError(res, error, true, modelClass);

  const injected = sim.faults.next();
  if (injected?.resetConnection) {
    sim.stats.connectionReset();
    req.socket.destroy();
    return;
  }
  if (injected?.hang) return hangUp(sim, res);
  if (injected?.malformed) return sendMalformed(sim, res, json, injected.malformed, modelClass);
  if (injected) return refuse(injectedToError(injected));

  const auth = sim.authError(req);
  if (auth) return refuse(auth);
  const parsed = 'error' in json ? json : validateBody(json.value, true);
  if ('error' in parsed) return refuse(parsed.error);
  // A streamed request gets the same reply, as server-sent events; `stream` itself changes nothing else.
  const { stream, ...body } = parsed.body;
  const refused = sim.modelError(body.model) ?? sim.spendError();
  if (refused) return refuse(refused);

  // Decided before admission so a throwing `outputTokens` function cannot leave a request half-charged.
  const plan = planReply(body, sim.now(), sim.cache, sim.outputTokens);
  const { cache, hash, outputTokens, chargedInput } = plan;

  // A valid body names a model, so it has a class; only that class's buckets admit and are charged.
  const ownClass = sim.buckets.classOf(body.model);
  const buckets = sim.buckets.use(ownClass);
  const limited = buckets.admissionError(chargedInput);
  if (limited) return refuse(limited);

  buckets.admit(chargedInput);
  sim.stats.admitted(chargedInput);
  // As the API does, a stream's response headers (the rate-limit ones included) go out on
  // admission, before the model has generated anything.
  const streamed = stream === true;
  if (streamed) {
    const requestId = sim.nextRequestId();
    sim.stats.answered(200);
    openEventStream(res, { 'request-id': requestId, ...sim.rateLimitHeaders(ownClass) });
  }

  const finished = await sim.generation.wait(latencyMs(sim.latency, outputTokens, hashFraction(hash, 2)));
  if (!finished) return; // server closing: the socket is being destroyed

  // Generation happened, so it is charged and billed whether or not the client is still there.
  buckets.chargeOutput(outputTokens);
  const message = generateReply(plan, sim.now(), sim.peekSequence(), sim.cache);
  sim.stats.generated({
    costUsd: sim.billing.costOf(body.model, message.usage),
    outputTokens,
    cacheRead: cache.read,
    cacheWrite: cache.write5m + cache.write1h,
  });
  if (res.destroyed || res.socket?.destroyed !== false) return sim.stats.abandoned();
  sim.stats.succeeded(sim.now(), requestKey(body));
  if (streamed) return void res.end(messageEvents(message));
  sim.send(res, 200, message, { messagesRoute: true, modelClass: ownClass });
}

export function onCountTokens(sim: Simulation, req: IncomingMessage, res: ServerResponse, raw: Buffer | null): void {
  sim.stats.countTokensRequest();
  const auth = sim.authError(req);
  if (auth) return sim.sendError(res, auth, false);
  const parsed = parseBody(raw, false);
  if ('error' in parsed) return sim.sendError(res, parsed.error, false);
  const unknownModel = sim.modelError(parsed.body.model);
  if (unknownModel) return sim.sendError(res, unknownModel, false);
  // Free, and rate-limited separately by the real API: it touches none of the message buckets.
  sim.send(res, 200, { input_tokens: analyzePrompt(parsed.body).inputTokens }, { messagesRoute: false });
}

/** An injected `hang`: in flight, unanswered, until the client goes away or the server closes. */
function hangUp(sim: Simulation, res: ServerResponse): void {
  sim.stats.hung();
  res.once('close', () => sim.stats.hangEnded());
}

/** An injected `malformed` 200: a Message for the body (when it is one) with its usage spoilt, or a body cut off mid-JSON. */
function sendMalformed(
  sim: Simulation,
  res: ServerResponse,
  json: { value: unknown } | { error: ApiError },
  kind: MalformedReply,
  modelClass: ModelClass | undefined,
): void {
  sim.stats.malformedReply();
  const checked = 'value' in json ? validateBody(json.value, true) : undefined;
  const body = checked && 'body' in checked ? checked.body : undefined;
  const answer = malformedBody(body, kind, sim.peekSequence());
  const headers = { 'request-id': sim.nextRequestId(), ...sim.rateLimitHeaders(modelClass) };
  sim.stats.answered(200);
  if ('text' in answer) return sendRaw(res, 200, answer.text, headers);
  sendJson(res, 200, answer.json, headers);
}

/** The class of the model a body names, if it names one (checked or not: a refusal describes it too). */
function classOfBody(sim: Simulation, json: { value: unknown } | { error: ApiError }): ModelClass | undefined {
  const model = 'value' in json && isRecord(json.value) ? json.value.model : undefined;
  return typeof model === 'string' && model !== '' ? sim.buckets.classOf(model) : undefined;
}
