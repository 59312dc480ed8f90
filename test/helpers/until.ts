// The one poll-until-ready of the tests that watch real processes (servers, code-server, files):
// timing logic itself is tested with fake timers, this only waits for the world to catch up.

/**
 * Calls `probe` until it gives a value other than `undefined` or `false`, and returns it. A probe
 * that throws counts as not yet (a page still loading); after `timeoutMs` the error names `what`
 * and the last exception.
 */
export async function until<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  what = 'a condition',
  timeoutMs = 30_000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
