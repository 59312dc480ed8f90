// The library's public surface, pinned: what `import ... from 'floorline'` gives a program. A change
// here is a change to the package's API (a release note, maybe a major version), never a side effect.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as lib from '../../../src/lib';
import type * as Lib from '../../../src/lib';

/** The values src/lib/index.ts exports (what `Object.keys` of the module sees at run time). */
const RUNTIME_EXPORTS = ['ConfigError', 'Floorline', 'InputFileError'];

/** The types it exports. */
const TYPE_EXPORTS = [
  'CreateOptions',
  'DispatchEnd',
  'DispatchOptions',
  'DispatchResult',
  'DispatcherSnapshot',
  'EndReason',
  'FileRunOptions',
  'FileRunOutcome',
  'FloorlineEvents',
  'FloorlineOptions',
  'HoldEvent',
  'LogEntry',
  'Message',
  'MessageCreateParamsNonStreaming',
  'Priority',
  'RequestItem',
  'ResultError',
  'RetryEvent',
  'RunState',
  'RunSummary',
  'TierName',
  'Usage',
];

// Checked by `tsc --noEmit`: each pinned type still resolves under its name (a removal or a rename
// fails the type-check), and there are as many as the list above holds.
type Pinned = [
  Lib.CreateOptions,
  Lib.DispatchEnd,
  Lib.DispatchOptions,
  Lib.DispatchResult,
  Lib.DispatcherSnapshot,
  Lib.EndReason,
  Lib.FileRunOptions,
  Lib.FileRunOutcome,
  Lib.FloorlineEvents,
  Lib.FloorlineOptions,
  Lib.HoldEvent,
  Lib.LogEntry,
  Lib.Message,
  Lib.MessageCreateParamsNonStreaming,
  Lib.Priority,
  Lib.RequestItem,
  Lib.ResultError,
  Lib.RetryEvent,
  Lib.RunState,
  Lib.RunSummary,
  Lib.TierName,
  Lib.Usage,
];
const PINNED_COUNT: Pinned['length'] = 22;

/** The names in src/lib/index.ts's `export type { … }` lists (types leave no trace at run time). */
function typeExportsOfIndex(): string[] {
  const source = readFileSync(resolve(__dirname, '../../../src/lib/index.ts'), 'utf8');
  return [...source.matchAll(/export\s+type\s+\{([^}]*)\}/g)].flatMap(([, list]) =>
    list!
      .split(',')
      .map((part) => part.trim().split(/\s+as\s+/).pop()!.trim())
      .filter(Boolean),
  );
}

describe('lib: the public API surface', () => {
  it('exports exactly the pinned values at run time', () => {
    assert.deepEqual(Object.keys(lib).sort(), [...RUNTIME_EXPORTS].sort());
    assert.equal(typeof lib.Floorline, 'function');
    assert.ok(new lib.ConfigError('maxAttempts', 'x') instanceof Error);
  });

  it('exports exactly the pinned types', () => {
    assert.deepEqual(typeExportsOfIndex().sort(), [...TYPE_EXPORTS].sort());
    assert.equal(TYPE_EXPORTS.length, PINNED_COUNT);
  });
});
