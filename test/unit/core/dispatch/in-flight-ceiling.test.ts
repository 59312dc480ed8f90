import assert from 'node:assert/strict';
import { InFlightCeiling } from '../../../../src/core/dispatch/in-flight-ceiling';

describe('InFlightCeiling', () => {
  it('is fixed when told, after the probe', () => {
    const c = new InFlightCeiling({ maxInFlight: 7, cap: 64 });
    assert.equal(c.decide(undefined).value, 1);
    c.recordSuccess(1_000);
    assert.equal(c.decide(100).value, 7);
  });
  it("starts with one probe (a small window with a tier preset), then follows Little's law at once, within the cap", () => {
    assert.equal(new InFlightCeiling({ maxInFlight: 'auto', cap: 1_000, initial: 8 }).decide(undefined).value, 8);
    const c = new InFlightCeiling({ maxInFlight: 'auto', cap: 1_000, headroom: 0.25 });
    assert.equal(c.decide(undefined).value, 1);
    c.recordSuccess(5_000);
    // 100 req/s × 5 s × 1.25 = 625, from the first answer on: no slow ramp on a quota with room.
    const d = c.decide(100);
    assert.equal(d.value, 625);
    assert.match(d.reason, /Little's law/);
    assert.equal(c.decide(1_000).value, 1_000, 'bounded by the cap');
  });
  it('halves on a 429/529 and grows back ×2 per round trip (+1 per completion) until the quota binds again', () => {
    const c = new InFlightCeiling({ maxInFlight: 'auto', cap: 1_000, headroom: 0 });
    c.recordSuccess(1_000);
    assert.equal(c.decide(40).value, 40);
    assert.equal(c.recordPushback(40, 'overloaded', 1_000, 1_100), true);
    assert.equal(c.decide(40).value, 20);
    for (let i = 0; i < 10; i++) c.recordSuccess(1_000);
    assert.equal(c.decide(40).value, 30);
    for (let i = 0; i < 20; i++) c.recordSuccess(1_000);
    assert.equal(c.decide(40).value, 40, 'back at the quota');
    c.recordSuccess(1_000);
    assert.equal(c.decide(80).value, 80, 'the cut is over: Little\'s law alone');
  });
  it('cuts once per round trip: push-backs for requests already in the air when it cut are the same news', () => {
    const c = new InFlightCeiling({ maxInFlight: 'auto', cap: 1_000, headroom: 0 });
    c.recordSuccess(1_000);
    assert.equal(c.decide(600).value, 600);
    // A 1 s burst of 529s with 600 in flight: forty answers, all for requests sent before the first came back.
    assert.equal(c.recordPushback(600, 'overloaded', 9_000, 10_000), true);
    for (let i = 1; i < 40; i++) assert.equal(c.recordPushback(600 - i, 'overloaded', 9_000 + i, 10_000 + i * 10), false);
    assert.equal(c.decide(600).value, 300, 'halved once, not forty times');
    // A request sent after the cut that is refused too is new evidence: the overload goes on.
    assert.equal(c.recordPushback(300, 'overloaded', 10_500, 10_600), true);
    assert.equal(c.decide(600).value, 150);
  });
  it('after ramp_limit_exceeded, ramps gradually (×1.5 per round trip) for the rest of the run', () => {
    const c = new InFlightCeiling({ maxInFlight: 'auto', cap: 1_000, headroom: 0 });
    c.recordSuccess(1_000);
    assert.equal(c.decide(400).value, 400);
    c.recordPushback(400, 'ramp-limited', 0, 0);
    assert.equal(c.decide(400).value, 200);
    for (let i = 0; i < 200; i++) c.recordSuccess(1_000);
    assert.equal(c.decide(400).value, 300, '+0.5 per completion');
  });
});
