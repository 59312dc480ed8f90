// What a result line was the answer to. Resume used to trust custom_ids alone: insert a line at the
// top of a file of bare bodies (ids `line-<n>`) and every old answer was attributed to the wrong
// prompt, and the new prompt was never sent. Each result line records a hash of the request it
// answers; a resume compares it with the input line of the same id.
import { hash } from 'node:crypto';
import type { MessageParams } from '../types';
import { fmix32, hashId } from './id-set';

/** `sha256:` and 16 hex digits of the hash of the request as sent (after defaults were applied). */
export function fingerprintOf(params: MessageParams | Record<string, unknown>): string {
  return `sha256:${hash('sha256', JSON.stringify(params), 'hex').slice(0, 16)}`;
}

/** 52 bits of a fingerprint as a number: a resume keeps one per id, a million of them in 16 MB less than strings. */
export function fingerprintKey(fingerprint: string): number | undefined {
  const match = /^sha256:([0-9a-f]{13})/.exec(fingerprint);
  return match ? Number.parseInt(match[1]!, 16) : undefined;
}

/**
 * One number for a whole set of (custom_id, fingerprint) pairs, in any order: what a resume keeps
 * instead of a fingerprint per answered id (8 MB less on a million lines). The results file's
 * digest over its answered lines equals the input's over the same ids only if every answered id is
 * in the input with the request it was answered for (a miss: ~2^-52, as for a fingerprint itself).
 * When they differ, the resume finds which lines changed one id at a time.
 */
export class FingerprintDigest {
  private lo = 0;
  private hi = 0;
  private pairs = 0;

  /** Each id at most once (ids are unique on both sides: the scan and the resume see to it). */
  add(id: string, key: number): void {
    const h = hashId(id);
    const [a, b] = lanes(h);
    const [c, d] = lanes(key);
    this.lo = (this.lo ^ fmix32(a ^ fmix32(c ^ 0x5bd1e995) ^ d)) >>> 0;
    this.hi = (this.hi ^ fmix32(b ^ fmix32(d ^ 0x85ebca6b) ^ c)) >>> 0;
    this.pairs++;
  }

  equals(other: FingerprintDigest): boolean {
    return this.pairs === other.pairs && this.lo === other.lo && this.hi === other.hi;
  }
}

const TWO_32 = 0x1_0000_0000;

/** The low and high 32 bits of an integer below 2^53. */
function lanes(n: number): [number, number] {
  return [n % TWO_32 >>> 0, Math.floor(n / TWO_32) >>> 0];
}
