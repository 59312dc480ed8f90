// A hold as data, and the one place it is put into words.
import assert from 'node:assert/strict';
import { describeHold, holdKey, holdLevel, HOLD_RUN_STATES, sameHold, type Hold, type HoldKind } from '../../../../src/core/dispatch/hold';

describe('dispatch: holds', () => {
  // One of each kind (and each source of a floor): the sentences the log, the CLI and the dashboard show.
  const said: Array<[Hold, string]> = [
    [{ kind: 'soft-floor', quota: 'own', dimension: 'outputTokens', waitMs: 1_250, bucket: { remaining: 41_000, limit: 400_000, floor: 40_000 } },
      'holding at soft floor: output tokens 41k of 400k left, soft floor 40k; refilling for 1.3 s'],
    [{ kind: 'hard-floor', quota: 'own', dimension: 'inputTokens', waitMs: 3_000, bucket: { remaining: 1_500, limit: 2_000_000, floor: 40_000 } },
      'stopped at hard floor: input tokens 1.5k of 2M left, hard floor 40k; refilling for 3.0 s'],
    [{ kind: 'soft-floor', quota: 'own', dimension: 'requests', waitMs: 200 }, 'holding at soft floor: requests; refilling for 0.2 s'],
    [{ kind: 'hard-floor', quota: 'shared', dimension: 'outputTokens', waitMs: 1_500 }, 'stopped at hard floor (shared quota): output tokens; refilling for 1.5 s'],
    [{ kind: 'soft-floor', quota: 'local-only', dimension: 'tokens', waitMs: 100 }, 'holding at soft floor (local limits only): tokens; refilling for 0.1 s'],
    [{ kind: 'cooldown', cause: 'rate-limited', waitMs: 6_000 }, 'a 429 (rate limited) paused all new requests for 6.0 s'],
    [{ kind: 'cooldown', cause: 'overloaded', waitMs: 250 }, 'a 529 (overloaded) paused all new requests for 0.3 s'],
    [{ kind: 'cooldown', cause: 'shared', waitMs: 900 }, 'a 429/529 seen by a participant of the shared quota paused all new requests for 0.9 s'],
    [{ kind: 'probe', cause: 'overloaded' }, 'after a 529 (overloaded), one request went out first; the rest wait for the API to accept it'],
    [{ kind: 'paused' }, 'paused by another participant of the shared quota'],
    [{ kind: 'shared-unavailable', detail: 'Redis is unreachable' }, 'Redis is unreachable: holding new requests until it is back'],
    [{ kind: 'spend-settling', label: 'daily spend budget' }, 'waiting for requests in flight to settle under the shared daily spend budget'],
    [{ kind: 'retry-budget', waitMs: 2_000 }, 'retry budget spent; next retry in 2.0 s'],
    [{ kind: 'spend-cap', label: 'spend cap', shared: false, model: 'claude-haiku-4-5', worstCaseUsd: 0.0125, worstCaseTokens: 1_300 },
      'the next request (worst case $0.0125, 1300 tokens) would cross the spend cap'],
    [{ kind: 'spend-cap', label: 'spend cap', shared: false, model: 'my-model', worstCaseUsd: null, worstCaseTokens: 1_300 },
      "model 'my-model' has no known price, so it cannot be sent under the spend cap"],
    [{ kind: 'spend-cap', label: 'daily spend budget', shared: true, model: 'my-model', worstCaseUsd: null, worstCaseTokens: 1_300 },
      'the next request (worst case unpriced) would cross the shared daily spend budget'],
    [{ kind: 'spend-cap', label: 'daily spend budget', shared: true, model: 'claude-haiku-4-5', worstCaseUsd: 2.5, worstCaseTokens: 1_300 },
      'the next request (worst case $2.50) would cross the shared daily spend budget'],
  ];

  it('says every kind of hold in one sentence', () => {
    for (const [hold, sentence] of said) assert.equal(describeHold(hold), sentence, holdKey(hold));
    const kinds: HoldKind[] = ['soft-floor', 'hard-floor', 'cooldown', 'probe', 'paused', 'shared-unavailable', 'spend-settling', 'retry-budget', 'spend-cap'];
    assert.deepEqual([...new Set(said.map(([h]) => h.kind))].sort(), [...kinds].sort(), 'every kind is covered');
  });

  it("keeps the snapshot's three levels, and the run state each puts a live run in", () => {
    const level = (kind: HoldKind) => holdLevel(said.find(([h]) => h.kind === kind)![0]);
    assert.deepEqual(
      ['soft-floor', 'hard-floor', 'cooldown', 'probe', 'paused', 'shared-unavailable', 'spend-settling', 'retry-budget', 'spend-cap'].map((k) => level(k as HoldKind)),
      ['soft', 'hard', 'cooldown', 'cooldown', 'soft', 'hard', 'soft', undefined, undefined],
    );
    assert.equal(holdLevel(undefined), undefined);
    assert.deepEqual(HOLD_RUN_STATES, { soft: 'holding', hard: 'hard-stopped', cooldown: 'cooling-down' });
  });

  it('tells two holds apart by what they are, not by their countdown', () => {
    const soft: Hold = { kind: 'soft-floor', quota: 'own', dimension: 'outputTokens', waitMs: 1_200, bucket: { remaining: 50, limit: 100, floor: 10 } };
    assert.ok(sameHold(soft, { ...soft, waitMs: 300, bucket: { remaining: 60, limit: 100, floor: 10 } }));
    assert.ok(!sameHold(soft, { ...soft, dimension: 'inputTokens' }));
    assert.ok(!sameHold(soft, { ...soft, quota: 'shared' }));
    assert.ok(!sameHold(soft, { ...soft, kind: 'hard-floor' }));
    assert.ok(!sameHold({ kind: 'cooldown', cause: 'rate-limited', waitMs: 1 }, { kind: 'cooldown', cause: 'overloaded', waitMs: 1 }));
    assert.ok(!sameHold(soft, undefined) && !sameHold(undefined, undefined), 'no hold is no match');
    const cap: Hold = { kind: 'spend-cap', label: 'spend cap', shared: false, model: 'm', worstCaseUsd: 1, worstCaseTokens: 10 };
    assert.ok(sameHold(cap, { ...cap, worstCaseUsd: 2 }), 'the same cap, whatever the next request costs');
    assert.ok(!sameHold(cap, { ...cap, shared: true }));
  });
});
