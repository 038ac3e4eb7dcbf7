// Outbound-URL safety shared by the gateway (webhooks) and the workers (caller-supplied image URLs): which
// addresses a caller's URL must not reach, and a DNS lookup that refuses them at connect time.
export * from './private-address.js';
export * from './public-host.js';
