// Temp input files for tests.
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ResultLine } from '../../src/core/types';

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'floorline-test-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface JobOptions {
  count: number;
  /** One model for every line, or line i's. */
  model?: string | ((i: number) => string);
  maxTokens?: number;
  /** Prompt text for line i; include the id so the mock can count completions per id. */
  prompt?: (i: number) => string;
}

/** Writes a Batches-shape JSONL job; each request's `metadata.user_id` is its custom_id, so the mock counts per id. */
export function writeJob(path: string, options: JobOptions): string[] {
  const ids: string[] = [];
  const lines: string[] = [];
  for (let i = 0; i < options.count; i++) {
    const id = `req-${String(i).padStart(6, '0')}`;
    ids.push(id);
    lines.push(JSON.stringify({
      custom_id: id,
      params: {
        model: typeof options.model === 'function' ? options.model(i) : (options.model ?? 'claude-haiku-4-5'),
        max_tokens: options.maxTokens ?? 200,
        metadata: { user_id: id },
        messages: [{ role: 'user', content: options.prompt?.(i) ?? `Question ${i}: say something short.` }],
      },
    }));
  }
  writeFileSync(path, lines.join('\n') + '\n');
  return ids;
}

export function readResults(path: string): ResultLine[] {
  return readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as ResultLine);
}
