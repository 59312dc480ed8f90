// A refusal from the shared quota, as this dispatcher acts on it.
import assert from 'node:assert/strict';
import { refusalOf } from '../../src/core/dispatch/shared-grant';

describe('dispatch: a refused shared grant', () => {
  it('waits at a floor, in a cool-down, while paused or while the store is away, saying which', () => {
    assert.deepEqual(refusalOf({ ok: false, kind: 'hard', dimension: 'outputTokens', waitMs: 1_500 }, false), {
      kind: 'wait', hold: 'hard', waitMs: 1_500, detail: 'stopped at hard floor (shared quota): output tokens; refilling for 1.5 s',
    });
    assert.match((refusalOf({ ok: false, kind: 'soft', dimension: 'inputTokens', waitMs: 200 }, true) as { detail: string }).detail, /\(local limits only\): input tokens/);
    assert.equal((refusalOf({ ok: false, kind: 'cooldown', waitMs: 900 }, false) as { hold: string }).hold, 'cooldown');
    assert.equal((refusalOf({ ok: false, kind: 'paused', waitMs: 50 }, false) as { hold: string }).hold, 'soft');
    assert.deepEqual(refusalOf({ ok: false, kind: 'unavailable', waitMs: 1_000, detail: 'Redis is unreachable' }, false), {
      kind: 'wait', hold: 'hard', waitMs: 1_000, detail: 'Redis is unreachable: holding new requests until it is back',
    });
  });

  it('a shared budget: waits for in-flight requests to settle, or is reached when the request can never fit today', () => {
    assert.equal(refusalOf({ ok: false, kind: 'budget', label: 'daily budget', waitMs: 100 }, false).kind, 'wait');
    assert.deepEqual(refusalOf({ ok: false, kind: 'budget', label: 'daily budget', waitMs: undefined }, false), { kind: 'budget-reached', label: 'daily budget' });
  });

  it("another participant's stop is ours", () => {
    assert.deepEqual(refusalOf({ ok: false, kind: 'stopped', explanation: 'the organisation spend limit is reached' }, false), { kind: 'stopped', explanation: 'the organisation spend limit is reached' });
  });
});
