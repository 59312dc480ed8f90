// A refusal from the shared quota, as this dispatcher acts on it.
import assert from 'node:assert/strict';
import { refusalOf, type GrantRefusal } from '../../../../src/core/dispatch/shared-grant';
import { describeHold, holdLevel } from '../../../../src/core/dispatch/hold';
import type { SharedReserveOutcome } from '../../../../src/core/coordination/coordinator';

/** The refusal as the dispatcher shows it: how hard it holds (the snapshot's `hold`) and in which words. */
function said(outcome: Exclude<SharedReserveOutcome, { ok: true }>, local: boolean) {
  const r: GrantRefusal = refusalOf(outcome, local);
  return r.kind === 'wait' ? { kind: r.kind, hold: holdLevel(r.hold), waitMs: r.waitMs, detail: describeHold(r.hold) } : r;
}

describe('dispatch: a refused shared grant', () => {
  it('waits at a floor, in a cool-down, while paused or while the store is away, saying which', () => {
    assert.deepEqual(said({ ok: false, kind: 'hard', dimension: 'outputTokens', waitMs: 1_500 }, false), {
      kind: 'wait', hold: 'hard', waitMs: 1_500, detail: 'stopped at hard floor (shared quota): output tokens; refilling for 1.5 s',
    });
    assert.match((said({ ok: false, kind: 'soft', dimension: 'inputTokens', waitMs: 200 }, true) as { detail: string }).detail, /\(local limits only\): input tokens/);
    assert.equal((said({ ok: false, kind: 'cooldown', waitMs: 900 }, false) as { hold: string }).hold, 'cooldown');
    assert.equal((said({ ok: false, kind: 'paused', waitMs: 50 }, false) as { hold: string }).hold, 'soft');
    assert.deepEqual(said({ ok: false, kind: 'unavailable', waitMs: 1_000, detail: 'Redis is unreachable' }, false), {
      kind: 'wait', hold: 'hard', waitMs: 1_000, detail: 'Redis is unreachable: holding new requests until it is back',
    });
  });

  it('a shared budget: waits for in-flight requests to settle, or is reached when the request can never fit today', () => {
    assert.equal(refusalOf({ ok: false, kind: 'budget', label: 'daily budget', waitMs: 100 }, false).kind, 'wait');
    assert.deepEqual(refusalOf({ ok: false, kind: 'budget', label: 'daily budget', waitMs: undefined }, false), { kind: 'budget-reached', label: 'daily budget' });
  });

  it("holds at the participant's share, naming whose share it is", () => {
    const r = said({ ok: false, kind: 'share', share: 0.25, participant: 'nightly@ci', dimension: 'outputTokens', waitMs: 2_000 }, false);
    assert.equal(r.kind, 'wait');
    if (r.kind === 'wait') {
      assert.equal(r.waitMs, 2_000);
      assert.match(r.detail, /^held to nightly@ci's 25% share: output tokens; next in 2.0 s$/);
    }
  });

  it("another participant's stop is ours", () => {
    assert.deepEqual(refusalOf({ ok: false, kind: 'stopped', explanation: 'the organisation spend limit is reached' }, false), { kind: 'stopped', explanation: 'the organisation spend limit is reached' });
  });
});
