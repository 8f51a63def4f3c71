/**
 * Which hash a library's content ids are. Libraries written before BLAKE3 keep SHA-256 for good (their
 * ids key every table, so changing them would mean rewriting all of them, and a new copy of an old photo
 * must still hash to the old id); new libraries use BLAKE3, ~3× faster. The store records which one a
 * library uses (main/store: contentHash), the library passes it to main/media's hashing. Both give 64
 * lower-case hex characters, so every id check and file name stays the same.
 */
export type ContentHash = 'sha256' | 'blake3';
