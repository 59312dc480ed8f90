// A mock of the Anthropic Messages API that speaks the real wire format: the same bodies, error
// shapes and rate-limit headers, enforced by the same continuously refilled token buckets, one set
// per model class as the API keeps them. It is both the integration-test fixture (the real SDK
// talks to it over 127.0.0.1) and the engine of the CLI's `--simulate` mode, which rehearses a job
// with no key and no cost. It also serves the Message Batches API, answering each batch line as a
// live request would be answered, billed at half price and outside the live buckets. Node
// built-ins only.
//
// This module is the simulator's public face; each concern has its own file:
//   server.ts             HTTP lifecycle and routing        simulation.ts    shared state, answers, checks
//   messages-endpoint.ts  POST /v1/messages, count_tokens   batch-routes.ts  /v1/messages/batches (over batches.ts)
//   request-body.ts       body validation (core's rules)    control.ts       /_mock/ routes
//   class-buckets.ts      one set of buckets per class      buckets.ts       one class's buckets, admission
//   headers.ts            anthropic-ratelimit-* headers     prompt-cache.ts  the prompt cache
//   billing.ts            prices and spend limits           faults.ts        injected errors and lies
//   stats.ts              the counters                      streaming.ts     server-sent events
//   clock.ts              the injected clock                reply-plan.ts    what a request will be answered
//   replies.ts, tokens.ts, latency.ts, token-bucket.ts
export { startMockServer } from './server';
export { limitsForTier } from './buckets';
export { requestKey } from './request-body';
export { MALFORMED_REPLIES, type MalformedReply } from './faults';
export type { MockStats } from './stats';
export type {
  BucketLevels,
  InitialLevel,
  MockLimits,
  MockRequestBody,
  MockServer,
  MockServerOptions,
  TenantLoad,
} from './types';
export { REALISTIC_LATENCY, type LatencyModel } from './latency';
