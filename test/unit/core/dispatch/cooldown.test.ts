// The pause after a 429/529, and the one request that goes first when it ends.
import assert from 'node:assert/strict';
import { Cooldown } from '../../../../src/core/dispatch/cooldown';
import { describeHold } from '../../../../src/core/dispatch/hold';

describe('dispatch: cool-down after a push-back', () => {
  it('pauses 250 ms for a 529, doubling while 529s continue, never above 1 s (jitter at its top here)', () => {
    const c = new Cooldown<string>(() => 1);
    assert.equal(c.pushback('overloaded', 1_000, 900, undefined)?.pauseMs, 250);
    assert.equal(c.pushback('overloaded', 1_300, 1_260, undefined)?.pauseMs, 500);
    assert.equal(c.pushback('overloaded', 1_900, 1_850, undefined)?.pauseMs, 1_000);
    assert.equal(c.pushback('overloaded', 3_000, 2_950, undefined)?.pauseMs, 1_000);
    // A success for a request sent after the last 529 ends the escalation.
    c.succeeded('x', 3_100);
    assert.equal(c.pushback('overloaded', 5_000, 4_900, undefined)?.pauseMs, 250);
  });

  it('a 529 for a request already in the air when the last one came back changes nothing', () => {
    const c = new Cooldown<string>(() => 1);
    assert.ok(c.pushback('overloaded', 1_000, 500, undefined));
    assert.equal(c.pushback('overloaded', 1_050, 600, undefined), undefined, 'the same burst, not new evidence');
    assert.equal(c.pausedUntil(1_100), 1_250, 'the pause is not stretched');
  });

  it("honours a 429's retry-after, and says so", () => {
    const c = new Cooldown<string>(() => 0.5);
    const pause = c.pushback('rate-limited', 0, 0, 7_000);
    assert.equal(pause?.pauseMs, 7_000);
    assert.match(pause!.message, /^a 429 \(rate limited\): all new requests wait 7\.0 s/);
    assert.match(describeHold(c.hold(1_000)!.hold), /paused all new requests for 6\.0 s/);
  });

  it('when the pause ends, one request goes first and the rest wait until the API accepts it', () => {
    const c = new Cooldown<string>(() => 1);
    assert.equal(c.hold(0), undefined);
    c.sending('before');
    assert.equal(c.isProbe('before'), false, 'no probe without a push-back');
    c.pushback('overloaded', 0, 0, undefined);
    assert.equal(c.hold(100)?.until, 250);
    assert.equal(c.hold(300), undefined, 'the pause is over: the next request may go');
    c.sending('probe');
    c.sending('second');
    assert.ok(c.isProbe('probe') && !c.isProbe('second'));
    assert.match(describeHold(c.hold(300)!.hold), /one request went out first/);
    assert.equal(c.hold(300)!.until, undefined, 'no timer: its headers or its answer end the wait');
    assert.equal(c.accepted('probe', 300), true);
    assert.equal(c.hold(300), undefined);
  });

  it('a probe refused again leaves the wait on (the next pause sends another); any other answer ends it', () => {
    const c = new Cooldown<string>(() => 1);
    c.pushback('overloaded', 0, 0, undefined);
    c.sending('p1');
    c.answered('p1', true);
    // Its pause not begun (say the prompt could never fit): still no window, and a new probe may go.
    assert.equal(c.hold(300), undefined);
    c.sending('p2');
    assert.ok(c.isProbe('p2'));
    c.answered('p2', false);
    c.sending('later');
    assert.equal(c.isProbe('later'), false);
    assert.equal(c.hold(300), undefined);
  });
});
