// What the batch status bar item says about the Message Batches being polled. Pure, so it is
// tested in plain Node. The counts are the API's `request_counts`, summed per file.
import { formatCount } from '../../core/format';
import type { BatchRowModel } from '../protocol';

export interface BatchStatusInput {
  name: string;
  batches: number;
  processing: number;
  succeeded: number;
  errored: number;
  canceled: number;
  expired: number;
  expiresAt: string | undefined;
  ended: boolean;
}

export interface BatchStatusModel {
  /** Empty: nothing to show, hide the item. */
  text: string;
  tooltip: string;
}

export function batchRows(jobs: readonly BatchStatusInput[], now: number): BatchRowModel[] {
  return jobs.map((j) => {
    const done = j.succeeded + j.errored + j.canceled + j.expired;
    const expires = !j.ended && j.expiresAt ? ` · expires in ${Math.max(0, Math.round((Date.parse(j.expiresAt) - now) / 3_600_000))} h` : '';
    const counts = [`${formatCount(j.succeeded)} succeeded`, `${formatCount(j.errored)} errored`, `${formatCount(j.canceled)} canceled`, `${formatCount(j.expired)} expired`];
    if (!j.ended) counts.unshift(`${formatCount(j.processing)} processing`);
    return {
      id: j.name,
      name: j.name,
      done,
      total: done + j.processing,
      detail: `${j.ended ? 'ended — results written · ' : ''}${j.batches} batch${j.batches === 1 ? '' : 'es'} · ${counts.join(' · ')}${expires}`,
      ended: j.ended,
    };
  });
}

export function batchStatusModel(jobs: readonly BatchStatusInput[], now: number): BatchStatusModel {
  const open = jobs.filter((j) => !j.ended);
  if (open.length === 0) return { text: '', tooltip: '' };
  const done = open.reduce((n, j) => n + j.succeeded + j.errored + j.canceled + j.expired, 0);
  const total = done + open.reduce((n, j) => n + j.processing, 0);
  const lines = open.map((j) => {
    const expires = j.expiresAt ? Date.parse(j.expiresAt) - now : undefined;
    const hours = expires === undefined ? '' : `; expires in ${Math.max(0, Math.round(expires / 3_600_000))} h`;
    return `- **${j.name}** — ${j.batches} batch${j.batches === 1 ? '' : 'es'}: ${formatCount(j.processing)} processing, ${formatCount(j.succeeded)} succeeded, ` +
      `${formatCount(j.errored)} errored, ${formatCount(j.canceled)} canceled, ${formatCount(j.expired)} expired${hours}`;
  });
  return {
    text: `$(package) ${formatCount(done)}/${formatCount(total)} batched`,
    tooltip: ['**Floorline — Message Batches** (half price; results are written when a batch ends)', '', ...lines].join('\n'),
  };
}
