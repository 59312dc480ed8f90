// Answers to requests that changed are not deleted when the user asks to send them again
// (`--resend-changed`): they move to `<results>.replaced.jsonl`, appended, and the results file is
// rewritten without them (atomically, as a resume rewrite is).
import * as fs from 'node:fs';
import { readLineBatches } from '../input/line-reader';
import { refuseSymlinkSync, replaceFileAtomically } from '../files/atomic-write';

export function replacedResultsPath(resultsPath: string): string {
  return resultsPath.replace(/\.jsonl$/i, '') + '.replaced.jsonl';
}

/** Moves every line of `resultsPath` whose custom_id is in `ids` to the end of `asidePath`. */
export async function setAside(resultsPath: string, ids: ReadonlySet<string>, asidePath: string): Promise<number> {
  refuseSymlinkSync(asidePath);
  const aside = fs.openSync(asidePath, fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT | fs.constants.O_NOFOLLOW, 0o644);
  let moved = 0;
  try {
    await replaceFileAtomically(resultsPath, async (keep) => {
      for await (const batch of readLineBatches(resultsPath)) {
        for (const { text } of batch.lines) {
          if (text.trim() === '') continue;
          const id = (JSON.parse(text) as { custom_id?: unknown }).custom_id;
          const target = typeof id === 'string' && ids.has(id) ? aside : keep.fd;
          if (target === aside) moved++;
          fs.writeSync(target, `${text}\n`);
        }
      }
      // The set-aside answers are durable before they leave the results file.
      fs.fdatasyncSync(aside);
    });
  } finally {
    fs.closeSync(aside);
  }
  return moved;
}
