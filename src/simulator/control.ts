// The test-control routes under /_mock/: read the stats and levels (one class's, `?class=haiku`, or
// every class's), change limits and options while running, inject faults, reset the stats. JSON in,
// `{ok}` out; a bad request is a 400 saying why.
import type { ServerResponse } from 'node:http';
import { parseInjections } from './faults';
import { isRecord, sendJson } from './http';
import type { Simulation } from './simulation';
import type { MockRuntimeConfig } from './types';

/** Answers a /_mock/ route, or returns false when `route` is none of them. */
export function onControl(sim: Simulation, res: ServerResponse, route: string, raw: Buffer | null, query: URLSearchParams): boolean {
  switch (route) {
    case 'GET /_mock/stats':
      sendJson(res, 200, sim.snapshot());
      return true;
    case 'GET /_mock/levels':
      sendJson(res, 200, sim.levels(query.get('class') ?? undefined));
      return true;
    case 'GET /_mock/class-levels':
      sendJson(res, 200, sim.classLevels());
      return true;
    case 'POST /_mock/configure':
      apply(res, raw, (json) => sim.configure(parseRuntimeConfig(json)));
      return true;
    case 'POST /_mock/inject':
      apply(res, raw, (json) => sim.inject(parseInjections(json)));
      return true;
    case 'POST /_mock/reset-stats':
      sim.resetStats();
      sendJson(res, 200, { ok: true });
      return true;
    default:
      return false;
  }
}

function apply(res: ServerResponse, raw: Buffer | null, change: (json: unknown) => void): void {
  try {
    if (raw === null) throw new Error('body too large');
    change(JSON.parse(raw.toString('utf8') || '{}'));
    sendJson(res, 200, { ok: true });
  } catch (err) {
    sendJson(res, 400, { ok: false, error: err instanceof Error ? err.message : String(err) });
  }
}

/** Validate POST /_mock/configure; over HTTP `outputTokens` can only be a number. */
function parseRuntimeConfig(json: unknown): MockRuntimeConfig {
  if (!isRecord(json)) throw new Error('configure expects a JSON object');
  const allowed = ['limits', 'classLimits', 'tenantLoad', 'latency', 'outputTokens', 'orgSpendLimitUsd', 'usageLimitUsd', 'batches'];
  const unknown = Object.keys(json).filter((k) => !allowed.includes(k));
  if (unknown.length) throw new Error(`unknown option(s): ${unknown.join(', ')}`);
  for (const key of ['limits', 'tenantLoad', 'latency']) {
    const value = json[key];
    if (value === undefined) continue;
    if (!isNumbers(value)) throw new Error(`${key} must be an object of numbers`);
  }
  // Each class's limits are checked further (names, values) before any change, by the simulation.
  const classLimits = json.classLimits;
  if (classLimits !== undefined && (!isRecord(classLimits) || !Object.values(classLimits).every((v) => v === null || isNumbers(v)))) {
    throw new Error('classLimits must be an object of class names to objects of numbers (or null)');
  }
  const batches = json.batches;
  if (batches !== undefined && (!isRecord(batches) || !Object.values(batches).every((v) => typeof v === 'number' || v === null))) {
    throw new Error('batches must be an object of numbers (or null)');
  }
  for (const key of ['outputTokens', 'orgSpendLimitUsd', 'usageLimitUsd']) {
    const value = json[key];
    if (value !== undefined && value !== null && typeof value !== 'number') throw new Error(`${key} must be a number or null`);
  }
  return json as MockRuntimeConfig;
}

function isNumbers(value: unknown): boolean {
  return isRecord(value) && Object.values(value).every((v) => typeof v === 'number');
}
