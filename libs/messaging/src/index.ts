// NATS plumbing shared by the gateway and the workers: the one connection per process, JetStream streams and
// consumers, KV buckets and chunked replies. It knows subjects only through @app/contracts; no job logic here.
export * from './nats.service.js';
export * from './nats.module.js';
export * from './jetstream-setup.js';
export * from './chunked-transfer.js';
export * from './chunked-file.server.js';
