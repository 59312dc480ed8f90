// The results file: where results go, how they are written, how a re-run resumes from them.
export { defaultResultsPath, simulatedResultsPath, inputPathForResults, isResultsPath, isSimulatedResultsPath } from './paths';
export { ResultsWriter, type ResultsWriterOptions } from './results-writer';
export { prepareResume, recordedFingerprints, resumeTempPath, type ResumeState } from './resume';
export { ResultsIndex, type ResultsSelection } from './results-index';
export { exportResultsCsv } from './results-csv';
export { formatResultsReport, reportResults, type ResultsReport } from './results-report';
