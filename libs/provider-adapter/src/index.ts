// The adapter port every provider implements, and the worker runtime that runs any adapter: consume jobs,
// persist in-flight state, pace the account, poll, store results and emit events; plus the web helpers every
// browser-driven adapter needs (SSRF-guarded image fetch, challenge detection). No provider specifics here.
export * from './provider-adapter.js';
export * from './browser-provider-adapter.js';
export * from './runtime/runtime.config.js';
export * from './runtime/pacing.js';
export * from './runtime/stored-upload.js';
export * from './runtime/worker-runtime.js';
export * from './runtime/worker-health.js';
export * from './runtime/worker-runtime.module.js';
export * from './runtime/rpc-error.filter.js';
export * from './web/url-guard.js';
export * from './web/page-signals.js';
export * from './worker/worker-common.config.js';
export * from './worker/start-worker.js';
export * from './runtime/worker-health.controller.js';
export * from './runtime/worker-rpc.handler.js';
export * from './worker/worker-modules.js';
export * from './worker/worker-runtime.config.js';
