import { strict as assert } from 'node:assert';
import { AdmissionPass } from '../../../../src/core/dispatch/admission-pass';
import { ClassLanes, type LaneOptions } from '../../../../src/core/dispatch/class-lane';
import type { FallbackRouter } from '../../../../src/core/dispatch/fallback';
import type { Hold } from '../../../../src/core/dispatch/hold';
import type { PendingItem } from '../../../../src/core/dispatch/run-queue';

const options: LaneOptions = {
  softFloor: { fraction: 0.1 }, hardFloor: { fraction: 0.02 }, maxInFlight: 'auto', maxInFlightCap: 1000,
  initialLimits: undefined, clock: { now: () => 0 }, random: () => 0.5, coordinator: undefined,
} as unknown as LaneOptions;
const itemOf = (model: string): PendingItem => ({ request: { params: { model } } }) as unknown as PendingItem;
const floor = (waitMs: number): Hold => ({ kind: 'retry-budget', waitMs });

describe('AdmissionPass (what one pass of the admission loop learns)', () => {
  it('accepts every line until a class holds, then only lines of free classes, with one function for the whole pass', () => {
    const lanes = new ClassLanes(options);
    const haiku = lanes.ofModel('claude-haiku-4-5');
    lanes.ofModel('claude-sonnet-4-5');
    const pass = new AdmissionPass(1000, lanes, undefined);
    assert.equal(pass.accept(), undefined);
    pass.classHeld(haiku, { hold: floor(50), until: 1050 });
    const accept = pass.accept()!;
    assert.equal(pass.accept(), accept);
    assert.deepEqual([accept(itemOf('claude-haiku-4-5')), accept(itemOf('claude-sonnet-4-5'))], [false, true]);
    assert.deepEqual([pass.someClassFree, pass.everyClassHeld], [true, false]);
  });

  it('tells the first hold met and wakes at the earliest end of any; a share hold sets the time only', () => {
    const lanes = new ClassLanes(options);
    const pass = new AdmissionPass(0, lanes, undefined);
    pass.met(floor(500), 500);
    pass.met(floor(200), 200);
    pass.met(undefined, undefined);
    assert.deepEqual([pass.hold, pass.wakeAt], [floor(500), 200]);
    const other = new AdmissionPass(0, lanes, undefined);
    other.shareHold({} as never, floor(100), 100);
    assert.deepEqual([other.hold, other.wakeAt, other.shareHeld.size], [undefined, 100, 1]);
  });

  it('with every class held, stops looking unless a fallback may move a line; a line with a chain is accepted until its model found none', () => {
    const lanes = new ClassLanes(options);
    const haiku = lanes.ofModel('claude-haiku-4-5');
    const fallback = { hasChain: (item: PendingItem) => item.request.params.model === 'claude-haiku-4-5' } as unknown as FallbackRouter;
    const plain = new AdmissionPass(0, lanes, undefined);
    plain.awaitingAnswer(haiku);
    assert.equal(plain.everyClassHeld, true);
    const withFallback = new AdmissionPass(0, lanes, fallback);
    withFallback.classHeld(haiku, { hold: floor(1), until: 1 });
    assert.equal(withFallback.everyClassHeld, false);
    assert.equal(withFallback.accept()!(itemOf('claude-haiku-4-5')), true);
    withFallback.noFallbackFor('claude-haiku-4-5');
    assert.equal(withFallback.accept()!(itemOf('claude-haiku-4-5')), false);
  });

  it('at the end, a held class keeps the start of its backlog and a free one has none', () => {
    const lanes = new ClassLanes(options);
    const haiku = lanes.ofModel('claude-haiku-4-5');
    const sonnet = lanes.ofModel('claude-sonnet-4-5');
    sonnet.heldSince = 5;
    const first = new AdmissionPass(100, lanes, undefined);
    first.classHeld(haiku, { hold: undefined, until: undefined });
    first.finish([]);
    const second = new AdmissionPass(200, lanes, undefined);
    second.classHeld(haiku, { hold: undefined, until: undefined });
    second.finish([]);
    assert.deepEqual([haiku.heldSince, sonnet.heldSince], [100, undefined]);
  });
});
