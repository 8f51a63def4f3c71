// Why a search found nothing, as facts the CLI and the app both show (the core words the message, so
// they say the same thing). Types only, no imports: the renderer reads this file through
// main/api/types.ts.

export type NoResultsReason =
  /** The library has no folders. */
  | { kind: 'no-folders'; message: string }
  /** Folders, but no photo in them is indexed, and no indexing is running here. */
  | { kind: 'not-indexed'; message: string }
  /** Indexing is running: `done` of `total` files so far (total 0 while it is still looking for files). */
  | { kind: 'indexing'; done: number; total: number; message: string }
  /** The same search without the filters finds `excluded` photos: the filters left none of them. */
  | { kind: 'filtered'; excluded: number; message: string }
  /** Words of the query the model does not know (the colour-only demo model). */
  | { kind: 'unknown-words'; words: string[]; message: string };
