// The stop that ends every run on a key: the API's verdict on the key itself (a bad key, no credit,
// no permission), the API out of reach, or another participant's stop through the shared quota.
// The first verdict stands; later ones change nothing.
import type { SharedCoordinator } from '../coordination/coordinator';
import type { StopCause } from './retry-policy';

export class ApiStop {
  private verdict: { cause: StopCause | 'shared'; explanation: string } | undefined;

  constructor(private readonly coordinator: SharedCoordinator | undefined) {}

  get stopped(): boolean {
    return this.verdict !== undefined;
  }

  /** Why everything stopped, if it did: what each run's end says. */
  get explanation(): string | undefined {
    return this.verdict?.explanation;
  }

  /** Records the verdict if it is the first, and returns the line to log; undefined if already stopped. */
  stop(cause: StopCause | 'shared', explanation: string, apiMessage: string): string | undefined {
    if (this.verdict) return undefined;
    this.verdict = { cause, explanation };
    // Another machine may well reach the API: only a verdict on the key itself stops them all.
    if (cause !== 'shared' && cause !== 'unreachable') void this.coordinator?.stopAll(explanation);
    return `${explanation} (${cause === 'unreachable' ? 'last error' : 'API said'}: ${apiMessage})`;
  }

  /**
   * Out of reach is not for ever: a run added once the stopped ones have ended (`onlyRun`) tries
   * again. True when the stop was lifted.
   */
  liftIfUnreachable(onlyRun: boolean): boolean {
    if (this.verdict?.cause !== 'unreachable' || !onlyRun) return false;
    this.verdict = undefined;
    return true;
  }
}
