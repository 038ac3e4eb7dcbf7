// Outbound-URL safety shared by the gateway (webhooks) and the workers (caller-supplied image URLs): which
// addresses a caller's URL must not reach, a DNS lookup that refuses them at connect time, and a fetch pinned to a
// checked address.
export * from './private-address.js';
export * from './public-host.js';
export * from './pinned-fetch.js';
