// The prompt cache: which prefixes (up to a `cache_control` breakpoint) were written and until when.
// A request reads its longest live prefix and writes the rest, billed by TTL, as the API does.
import type { CacheBreakpoint, CacheTtl } from './tokens';

const TTL_MS: Record<CacheTtl, number> = { '5m': 5 * 60_000, '1h': 60 * 60_000 };

/** What a request reads from the cache and writes to it, in tokens; `hitIndex` is the breakpoint read (-1: none). */
export interface CacheLookup {
  read: number;
  write5m: number;
  write1h: number;
  hitIndex: number;
}

export class PromptCache {
  /** Prefix hash → expiry time (ms). */
  private readonly expiries = new Map<string, number>();

  /** Longest unexpired breakpoint → read; the rest up to the last breakpoint → written, split by TTL. */
  lookup(breakpoints: CacheBreakpoint[], t: number): CacheLookup {
    let hitIndex = -1;
    for (let i = breakpoints.length - 1; i >= 0; i--) {
      const expiry = this.expiries.get(breakpoints[i]!.hash);
      if (expiry !== undefined && expiry > t) {
        hitIndex = i;
        break;
      }
    }
    const read = hitIndex >= 0 ? breakpoints[hitIndex]!.tokens : 0;
    let write5m = 0;
    let write1h = 0;
    let covered = read;
    for (const bp of breakpoints.slice(hitIndex + 1)) {
      const span = Math.max(0, bp.tokens - covered);
      if (bp.ttl === '1h') write1h += span;
      else write5m += span;
      covered = Math.max(covered, bp.tokens);
    }
    return { read, write5m, write1h, hitIndex };
  }

  /** The reply exists at `t`: a hit refreshes its entry; every later breakpoint is newly written. */
  commit(breakpoints: CacheBreakpoint[], hitIndex: number, t: number): void {
    breakpoints.forEach((bp, i) => {
      if (i >= hitIndex) this.expiries.set(bp.hash, t + TTL_MS[bp.ttl]);
    });
  }
}
