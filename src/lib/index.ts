// Floorline's public library API: put a program's own Claude requests under the dispatcher.
export { Floorline } from './floorline';
export { ConfigError } from '../core/config';
export { InputFileError } from './file-run';
export type {
  CreateOptions,
  DispatchEnd,
  DispatchOptions,
  DispatchResult,
  DispatcherSnapshot,
  EndReason,
  FileRunOptions,
  FileRunOutcome,
  FloorlineEvents,
  FloorlineOptions,
  HoldEvent,
  LogEntry,
  Message,
  MessageCreateParamsNonStreaming,
  Priority,
  RequestItem,
  ResultError,
  RetryEvent,
  RunState,
  RunSummary,
  TierName,
  Usage,
} from './types';
