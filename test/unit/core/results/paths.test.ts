import { strict as assert } from 'node:assert';
import { defaultResultsPath, inputPathForResults, isResultsPath, simulatedResultsPath } from '../../../../src/core/results';

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

describe('results: a rehearsal\'s path and the way back to the input', () => {
  it('names a rehearsal\'s results apart', () => {
    assert.equal(simulatedResultsPath('data/jobs.results.jsonl'), 'data/jobs.simulated.results.jsonl');
  });

  it('finds the input of a default results path, real or rehearsed', () => {
    assert.equal(inputPathForResults('data/jobs.results.jsonl'), 'data/jobs.jsonl');
    assert.equal(inputPathForResults('data/jobs.simulated.results.jsonl'), 'data/jobs.jsonl');
    assert.equal(inputPathForResults(defaultResultsPath('a/b.c.jsonl')), 'a/b.c.jsonl');
    assert.equal(inputPathForResults('data/out.jsonl'), undefined);
  });

  it('tells a results file by its name', () => {
    assert.equal(isResultsPath('x/jobs.results.jsonl'), true);
    assert.equal(isResultsPath('x/jobs.simulated.results.jsonl'), true);
    assert.equal(isResultsPath('x/jobs.jsonl'), false);
  });
});
