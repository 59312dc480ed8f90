// Credentials in URLs never reach a log line, an error message or a results file.
import assert from 'node:assert/strict';
import { redactUrl, redactUrlsIn, UNPARSEABLE_URL } from '../../../src/core/redact';

describe('redactUrl', () => {
  it('masks user-info: a user name alone, a password alone, and both', () => {
    assert.equal(redactUrl('http://secret@127.0.0.1:8080/'), 'http://***@127.0.0.1:8080/');
    assert.equal(redactUrl('redis://:s3cret@10.0.0.5:6380/2'), 'redis://:***@10.0.0.5:6380/2');
    assert.equal(redactUrl('rediss://alice:s3cret@cache.internal:6379'), 'rediss://***:***@cache.internal:6379');
    assert.equal(redactUrl('https://user:p%40ss@proxy.example/v1'), 'https://***:***@proxy.example/v1');
  });

  it('masks secret-looking query parameters, case-insensitively, and keeps the others as written', () => {
    for (const name of ['password', 'pass', 'pwd', 'token', 'key', 'api_key', 'apikey', 'secret', 'sig', 'signature', 'auth', 'access_token']) {
      assert.equal(redactUrl(`https://host/p?${name}=hunter2&x=1`), `https://host/p?${name}=***&x=1`, name);
      const upper = name.toUpperCase();
      assert.equal(redactUrl(`https://host/p?${upper}=hunter2`), `https://host/p?${upper}=***`, upper);
    }
    assert.equal(redactUrl('redis://cache.internal:6379/0?password=s3cret&db=2'), 'redis://cache.internal:6379/0?password=***&db=2');
    assert.equal(redactUrl('https://host/?Api-Key=abc&q=a%20b+c'), 'https://host/?Api-Key=***&q=a%20b+c');
    assert.equal(redactUrl('https://host/?monkey=banana&keyword=k'), 'https://host/?monkey=banana&keyword=k', 'only whole names count');
  });

  it('masks both at once, and tokens in the fragment', () => {
    assert.equal(redactUrl('https://u:p@host/cb?sig=abc#access_token=xyz&state=1'), 'https://***:***@host/cb?sig=***#access_token=***&state=1');
  });

  it('returns a URL with nothing secret exactly as given', () => {
    for (const url of ['redis://127.0.0.1:6379', 'https://api.anthropic.com', 'http://HOST:80/a?b=c', 'https://host/?token=']) {
      assert.equal(redactUrl(url), url);
    }
  });

  it('shows nothing of a URL it cannot parse', () => {
    assert.equal(redactUrl('redis//:s3cret@broken'), UNPARSEABLE_URL);
    assert.equal(redactUrl('http://user:s3cret@[bad'), UNPARSEABLE_URL);
  });
});

describe('redactUrlsIn', () => {
  it('masks every URL in free text and leaves the rest alone', () => {
    assert.equal(
      redactUrlsIn('Request cannot be constructed from a URL that includes credentials: http://secret@127.0.0.1:4000/v1/messages'),
      'Request cannot be constructed from a URL that includes credentials: http://***@127.0.0.1:4000/v1/messages',
    );
    assert.equal(
      redactUrlsIn('tried https://a:b@one.example/ and redis://two.example:6379?password=x, then gave up'),
      'tried https://***:***@one.example/ and redis://two.example:6379?password=***, then gave up',
    );
    assert.equal(redactUrlsIn('connect ECONNREFUSED 127.0.0.1:6379'), 'connect ECONNREFUSED 127.0.0.1:6379');
  });

  it('takes punctuation after a URL for the sentence\'s, unless the URL needs it', () => {
    assert.equal(redactUrlsIn('(see http://tok@host:8080).'), '(see http://***@host:8080).');
    assert.equal(redactUrlsIn('at http://u:p@[::1]:8080/x]'), 'at http://***:***@[::1]:8080/x]');
    assert.equal(redactUrlsIn('at http://u:p@[::1]'), 'at http://***:***@[::1]', 'the bracket belongs to the address');
    assert.equal(redactUrlsIn('"https://u:p@host/x"'), '"https://***:***@host/x"');
  });

  it('hides a URL-like token it cannot parse rather than risk a credential', () => {
    assert.equal(redactUrlsIn('bad: http://user:s3cret@[bad end'), `bad: ${UNPARSEABLE_URL} end`);
  });
});
