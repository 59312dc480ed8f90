// Every command, named once. The manifest (package.json) declares the same ids; a unit test keeps them in step.
export const CommandId = {
  run: 'floorline.run',
  simulate: 'floorline.simulate',
  submitBatch: 'floorline.submitBatch',
  pause: 'floorline.pause',
  resume: 'floorline.resume',
  stop: 'floorline.stop',
  cancel: 'floorline.cancel',
  showDashboard: 'floorline.showDashboard',
  setApiKey: 'floorline.setApiKey',
  clearApiKey: 'floorline.clearApiKey',
  // From the Runs view (and the dashboard): they act on the item they are given.
  openResults: 'floorline.openResults',
  resumeRun: 'floorline.resumeRun',
  rerunErrored: 'floorline.rerunErrored',
} as const;

export type CommandId = (typeof CommandId)[keyof typeof CommandId];

/** `setContext` keys the manifest's `when` clauses read. */
export const ContextKey = {
  running: 'floorline.running',
  canPause: 'floorline.canPause',
  canResume: 'floorline.canResume',
} as const;
