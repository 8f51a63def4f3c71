// LanceDB's native code logs through env_logger, configured from LANCEDB_LOG once, when the native module
// loads. Its warnings (a table "will be created", an object store's refusal with the request URL and the
// server's reply) are not for the person using Lookbook, who gets one clear message instead; errors still
// show. Imported first by each entry point, before anything loads LanceDB; LANCEDB_LOG=debug still works.
process.env.LANCEDB_LOG ??= 'error';

export {};
