// Reading and validating the input JSONL file. Node built-ins only: shared by the CLI and the extension.
export { inputBytesOf, promptCacheTtl, usesPromptCache } from './estimate';
export { type Line, type LineBatch, type ReadLinesOptions, readLineBatches, readLines } from './line-reader';
export { formatProblem, noRequestsMessage, type Problem, type Severity } from './problems';
export { InputChangedError, type ReadRequestsOptions, readRequests } from './read-requests';
export { type ModelTotals, type ScanOptions, type ScanProgress, type ScanReport, type ScanTotals, scanFile, TotalsBuilder } from './scan-file';
export { type InputDefaults, isBlankLine, type ParsedLine, parseLine } from './validate-line';
export { RequestIndex } from './request-index';
