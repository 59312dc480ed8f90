// What is wrong with a line of the input file, in the one format every front end prints.

export type Severity = 'error' | 'warning';

export interface Problem {
  /** The input file, as the user named it (so `file:line` is clickable in a terminal). */
  file: string;
  /** 1-based line number. */
  line: number;
  message: string;
  /** An error stops the run before anything is sent; a warning is shown and the run goes on. */
  severity: Severity;
}

/** `file:line: message`, with `warning: ` before the message of a warning, as compilers print them. */
export function formatProblem(p: Problem): string {
  return `${p.file}:${p.line}: ${p.severity === 'warning' ? 'warning: ' : ''}${p.message}`;
}

/**
 * What the front ends say, as an error, about a file with no request in it (empty, or only blank
 * lines): nothing to send is a wrong or truncated file, not a job already done.
 */
export function noRequestsMessage(file: string): string {
  return `${file} has no requests (empty or only blank lines); nothing to do`;
}

/** A line with 100,000 broken messages must not drown every other line's problems. */
const MAX_PROBLEMS_PER_LINE = 20;

/** Problems of one line, capped so a pathological line cannot flood the report. */
export class LineProblems {
  private readonly list: Problem[] = [];
  private dropped = 0;
  hasErrors = false;

  constructor(
    private readonly file: string,
    private readonly line: number,
  ) {}

  error(message: string): void {
    this.hasErrors = true;
    this.add(message, 'error');
  }

  warn(message: string): void {
    this.add(message, 'warning');
  }

  finish(): Problem[] {
    if (this.dropped > 0) {
      this.list.push({ file: this.file, line: this.line, severity: 'error', message: `…and ${this.dropped} more ${plural(this.dropped, 'problem')} on this line` });
      this.dropped = 0;
    }
    return this.list;
  }

  private add(message: string, severity: Severity): void {
    if (this.list.length < MAX_PROBLEMS_PER_LINE) this.list.push({ file: this.file, line: this.line, message, severity });
    else this.dropped++;
  }
}

function plural(n: number, word: string): string {
  return n === 1 ? word : `${word}s`;
}
