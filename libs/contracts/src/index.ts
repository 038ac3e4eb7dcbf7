// The contract between the gateway and the provider workers: NATS names, message and event payloads, job
// statuses and error codes. No behaviour beyond validation lives here.
export * from './providers.js';
export * from './errors.js';
export * from './jobs.js';
export * from './subjects.js';
export * from './messages.js';
export * from './validators.js';
export * from './midjourney.js';
export * from './ideogram.js';
export * from './rpc.js';
export * from './rpc-validation.pipe.js';
export * from './config.js';
export * from './chatgpt.js';
export * from './gemini.js';
