// What the dispatcher's log tells of the changes it sees every pass: which are news, and how loud.
import type { LogLevel } from './dispatcher-api';
import { describeHold, holdLevel, type Hold } from './hold';
import type { CeilingDecision } from './in-flight-ceiling';

/**
 * The current hold. Riding the soft floor means holds of a few milliseconds, many times a second:
 * those are debug detail. A hold worth telling people about lasts a second or more, or is a hard
 * stop; its end is then told as loudly.
 */
export class HoldWatch {
  private current: Hold | undefined;
  private sentence: string | undefined;
  /** Whether the current hold was announced at info level (so its end is too). */
  private loud = false;

  get hold(): Hold | undefined {
    return this.current;
  }

  /** The hold in words, made once per pass that holds. */
  get detail(): string | undefined {
    return this.sentence;
  }

  /** This pass's hold (`lastsMs`: until the dispatcher looks again). Returns the log line its change calls for, if any. */
  update(hold: Hold | undefined, lastsMs: number): { level: LogLevel; message: string } | undefined {
    const level = holdLevel(hold);
    const was = holdLevel(this.current);
    this.current = hold;
    this.sentence = hold && describeHold(hold);
    if (level && level !== was) {
      this.loud = level === 'hard' || lastsMs >= 1_000;
      return { level: level === 'hard' ? 'warn' : this.loud ? 'info' : 'debug', message: this.sentence ?? level };
    }
    if (!level && was) return { level: this.loud ? 'info' : 'debug', message: 'dispatching again' };
    return undefined;
  }
}

/** The in-flight ceiling: a new binding, or a move of ≥ 10% from what was last told, is news; the drift of every completion is not. */
export class CeilingWatch {
  private reported: CeilingDecision;

  constructor(private latest: CeilingDecision) {
    this.reported = latest;
  }

  get current(): CeilingDecision {
    return this.latest;
  }

  /** The decision now in force; true when it is news. */
  update(decision: CeilingDecision): boolean {
    this.latest = decision;
    const reported = this.reported;
    if (decision.by === reported.by && Math.abs(decision.value - reported.value) < Math.max(1, reported.value * 0.1)) return false;
    this.reported = decision;
    return true;
  }
}
