// Mocha root hooks for every test file (loaded through .mocharc.json).
const STACK_TRACE_LIMIT = Error.stackTraceLimit;

export const mochaHooks = {
  // The Pulumi harness turns stack traces off while a program runs (see tools/pulumi-mock/mockEngine.ts, install).
  afterEach() {
    Error.stackTraceLimit = STACK_TRACE_LIMIT;
  },
};
