// What a line that is not valid JSON, or nests too deep, is told: V8's parse error turned into a
// column and the text around it, and a depth check that cannot itself overflow the stack.

/**
 * The index in `text` (valid JSON) of the bracket that opens level `limit + 1`, or -1 when arrays
 * and objects nest no deeper than `limit`. A loop over the characters, skipping strings, so that
 * checking a 10,000-deep line cannot itself overflow the stack as a recursive walk would.
 */
export function pastDepth(text: string, limit: number): number {
  // Valid JSON closes every bracket it opens, so nesting `limit + 1` deep takes 2 × (limit + 1) characters.
  if (text.length < 2 * (limit + 1)) return -1;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      // To the closing quote, stepping over escapes (an escaped quote does not close the string).
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > limit) return i;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      depth--;
    }
  }
  return -1;
}

/** V8's JSON.parse message, with its position as a column and what the text looks like there. */
export function describeJsonError(err: unknown, text: string): string {
  const raw = err instanceof Error ? err.message : String(err);
  let what = raw;
  let pos: number | undefined;
  const at = /(?: in JSON)? at position (\d+)(?: \(line \d+ column \d+\))?$/.exec(raw);
  const token = /^Unexpected token '(.+?)', (\.\.\.)?"(.*)"(\.\.\.)? is not valid JSON$/s.exec(raw);
  if (at) {
    what = raw.slice(0, at.index);
    pos = Number(at[1]);
  } else if (token) {
    // V8 shows up to 10 characters either side of the bad token instead of its position.
    const [, tok = '', cutStart, context = '', cutEnd] = token;
    what = 'unexpected character';
    const found = text.indexOf(context);
    if (cutStart && found !== -1) pos = found + 10;
    else if (!cutStart && cutEnd) pos = context.length - 10;
    else what = `unexpected '${tok}' in ${quote(text, 60)}`; // a short line, shown whole
  } else if (raw === 'Unexpected end of JSON input') {
    what = 'the line ends before the JSON value is complete';
    pos = text.length;
  }
  what = what.charAt(0).toLowerCase() + what.slice(1);
  if (pos === undefined || pos < 0 || pos > text.length) return `invalid JSON: ${what}`;
  const before = text.slice(Math.max(0, pos - 24), pos);
  const here = pos < text.length ? `at ${quote(text.charAt(pos))}` : 'at the end of the line';
  const after = before === '' ? '' : ` after ${quote((pos > 24 ? '…' : '') + before)}`;
  let hint = '';
  if (pos >= text.trimEnd().length) hint = ' — each request must be one complete JSON object on a single line';
  else if (raw.startsWith('Unexpected non-whitespace character after JSON')) hint = ' — put one request per line';
  else if (raw.startsWith('Bad control character')) hint = ' — write tabs and line breaks inside a string as \\t and \\n';
  return `invalid JSON at column ${pos + 1}: ${what} (${here}${after})${hint}`;
}

/** A value for a message: quoted, control characters escaped, cut at `max`. */
export function quote(s: string, max = 40): string {
  const short = s.length > max ? `${s.slice(0, max)}…` : s;
  return `'${short.replace(/[\u0000-\u001f\u007f]/g, (c) => JSON.stringify(c).slice(1, -1))}'`;
}
