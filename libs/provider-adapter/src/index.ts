// The adapter port every provider implements, and the worker runtime that runs any adapter: consume jobs,
// persist in-flight state, pace the account, poll, store results and emit events. No provider specifics here.
export * from './provider-adapter.js';
export * from './runtime/runtime.config.js';
export * from './runtime/pacing.js';
export * from './runtime/worker-runtime.js';
export * from './runtime/worker-health.js';
export * from './runtime/worker-runtime.module.js';
export * from './runtime/rpc-error.filter.js';
