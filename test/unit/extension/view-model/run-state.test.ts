import assert from 'node:assert/strict';
import { TERMINAL_STATES, type RunState } from '../../../../src/core/dispatch/snapshot';
import { controlsFor, isLive, STATE_ICONS, STATE_SEVERITY } from '../../../../src/extension/view-model/run-state';

const ALL = Object.keys(STATE_SEVERITY) as RunState[];

describe('view-model run-state', () => {
  it('knows every state: a severity and an icon each, live unless terminal', () => {
    assert.deepEqual(Object.keys(STATE_ICONS).sort(), [...ALL].sort());
    for (const state of ALL) assert.equal(isLive(state), !TERMINAL_STATES.has(state), state);
    assert.ok([...TERMINAL_STATES].every((s) => ALL.includes(s)));
  });

  it('offers the controls that apply, and none once a run has ended', () => {
    const offered = Object.fromEntries(ALL.map((s) => [s, Object.entries(controlsFor(s)).filter(([, on]) => on).map(([a]) => a).join(',')]));
    assert.deepEqual(offered, {
      running: 'pause,stop',
      holding: 'pause,stop',
      'hard-stopped': 'pause,stop',
      'cooling-down': 'pause,stop',
      paused: 'resume,stop',
      stopping: '',
      'budget-reached': '',
      finished: '',
      stopped: '',
      aborted: '',
      'api-stopped': '',
      failed: '',
    });
  });

  it('colours a state by itself: holds warn, hard stops and refusals are errors', () => {
    assert.equal(STATE_SEVERITY.holding, 'warning');
    assert.equal(STATE_SEVERITY['cooling-down'], 'warning');
    assert.equal(STATE_SEVERITY['hard-stopped'], 'error');
    assert.equal(STATE_SEVERITY['api-stopped'], 'error');
    assert.equal(STATE_SEVERITY.paused, 'ok');
    assert.equal(STATE_ICONS.stopping, 'loading', 'the page spins this one');
  });
});
