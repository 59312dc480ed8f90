import { strict as assert } from 'node:assert';
import { defaultResultsPath } from '../../../../src/core/results';

describe('results: defaultResultsPath', () => {
  it('replaces .jsonl with .results.jsonl beside the input', () => {
    assert.equal(defaultResultsPath('data/jobs.jsonl'), 'data/jobs.results.jsonl');
    assert.equal(defaultResultsPath('/abs/dir/x.y.jsonl'), '/abs/dir/x.y.results.jsonl');
    assert.equal(defaultResultsPath('jobs.JSONL'), 'jobs.results.jsonl');
  });

  it('appends .results.jsonl to a name without .jsonl', () => {
    assert.equal(defaultResultsPath('data/jobs'), 'data/jobs.results.jsonl');
    assert.equal(defaultResultsPath('data/jobs.json'), 'data/jobs.json.results.jsonl');
    assert.equal(defaultResultsPath('data/jsonl'), 'data/jsonl.results.jsonl');
  });
});
