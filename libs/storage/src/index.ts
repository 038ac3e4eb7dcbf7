// The storage port with local-directory and Supabase Storage adapters. It knows buckets and paths, never which
// job a file belongs to.
export * from './object-storage.js';
export * from './signing.js';
export * from './local/local-object-storage.js';
export * from './supabase/supabase-object-storage.js';
export * from './storage.module.js';
