// Structured logs (pino) shared by the gateway, the workers and the simulator: options, redaction, job fields.
export * from './log-fields.js';
export * from './logging.module.js';
export * from './pino-options.js';
export * from './redact.js';
