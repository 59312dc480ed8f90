// URLs as they may appear in logs, errors and results files. A base URL or a Redis URL can carry a
// credential in its user-info (`http://user:pass@host`, `redis://:pass@host`) or its query
// (`?password=…`, `?key=…`), and the errors about it quote it back (fetch's own message names the
// whole URL). The secret parts are replaced with `***`; the rest is kept, so the user can still see
// which server is meant.

const MASK = '***';

/**
 * Query (and fragment) parameters whose value is taken for a secret, compared case-insensitively
 * with `-` read as `_`. The list errs towards hiding: a masked harmless value costs nothing.
 */
const SECRET_PARAMS = new Set([
  'password', 'pass', 'pwd', 'passwd',
  'token', 'access_token', 'refresh_token', 'id_token', 'auth', 'authorization',
  'key', 'api_key', 'apikey', 'x_api_key',
  'secret', 'client_secret',
  'sig', 'signature',
]);

function isSecretParam(rawName: string): boolean {
  let name = rawName;
  try {
    name = decodeURIComponent(rawName.replace(/\+/g, ' '));
  } catch {
    // A malformed escape: judge the name as written.
  }
  return SECRET_PARAMS.has(name.trim().toLowerCase().replace(/-/g, '_'));
}

/**
 * `a=1&password=x&b` → `a=1&password=***&b`, each pair otherwise kept exactly as written (rebuilding
 * it through URLSearchParams would re-encode the harmless ones and reorder nothing useful).
 * Returns undefined when nothing was secret.
 */
function maskParams(params: string): string | undefined {
  let changed = false;
  const masked = params.split('&').map((pair) => {
    const eq = pair.indexOf('=');
    if (eq < 0 || !isSecretParam(pair.slice(0, eq)) || pair.slice(eq + 1) === '') return pair;
    changed = true;
    return `${pair.slice(0, eq)}=${MASK}`;
  });
  return changed ? masked.join('&') : undefined;
}

/** What is shown instead of a URL that cannot be parsed: nothing of it, rather than risk a credential. */
export const UNPARSEABLE_URL = '(unparseable URL)';

/**
 * One URL with its credentials masked: the user name and password of its user-info (a user name
 * alone is often the whole credential, as in `http://token@host/`; with Redis ACLs it is half of
 * it), and the value of every secret-looking query or fragment parameter. A URL with nothing
 * secret comes back exactly as given; one that cannot be parsed becomes `(unparseable URL)`.
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return UNPARSEABLE_URL;
  }
  let changed = false;
  if (parsed.username) {
    parsed.username = MASK;
    changed = true;
  }
  if (parsed.password) {
    parsed.password = MASK;
    changed = true;
  }
  const query = parsed.search && maskParams(parsed.search.slice(1));
  if (query) {
    parsed.search = query;
    changed = true;
  }
  // OAuth's implicit flow puts tokens in the fragment (`#access_token=…`).
  const fragment = parsed.hash && maskParams(parsed.hash.slice(1));
  if (fragment) {
    parsed.hash = fragment;
    changed = true;
  }
  if (!changed) return url;
  const shown = parsed.toString();
  // The parser adds a `/` path to `http://host`; do not show one the user did not write.
  return shown.endsWith('/') && !url.endsWith('/') ? shown.slice(0, -1) : shown;
}

/** Anything that starts like a URL with an authority (`scheme://`) up to whitespace or a quote. */
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'`<>]+/gi;
/** Punctuation that in prose more likely ends the sentence than the URL. */
const TRAILING_PUNCTUATION = /[.,;:!?)\]}]+$/;

/**
 * Free text (an error message, a log line) with every URL in it passed through `redactUrl`.
 * Punctuation after a URL is taken for the sentence's (`…?password=x, then` keeps its comma),
 * unless the URL only parses with it (`http://[::1]`).
 */
export function redactUrlsIn(text: string): string {
  return text.replace(URL_IN_TEXT, (match) => {
    const tail = TRAILING_PUNCTUATION.exec(match)?.[0];
    if (tail) {
      const bare = redactUrl(match.slice(0, -tail.length));
      if (bare !== UNPARSEABLE_URL) return bare + tail;
    }
    return redactUrl(match);
  });
}
