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
