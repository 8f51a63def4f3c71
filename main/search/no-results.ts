// Why a search found nothing. A person who sees no results cannot tell an empty library from a search
// still waiting for indexing, filters that left everything out, or a word the model does not know; the
// core works out which (NoResultsReason) and words it once, for the CLI and the app alike.
import type { LibraryStatus } from '../library/status.js';
import type { SearchOptions } from '../library/types.js';
import { wordsUnknownToDemo } from '../models/demo-words.js';
import type { NoResultsReason } from './no-results-reason.js';

export type { NoResultsReason } from './no-results-reason.js';

/** Whether a search narrows the library by folder, date, format or tag. */
export function hasFilters(o: SearchOptions): boolean {
  return Boolean(o.folder || o.after || o.before || o.formats?.length || o.tags?.length || o.album);
}

const quoted = (words: string[]) => words.map((w) => `“${w}”`).join(', ');

export async function explainNoResults(facts: {
  status: Pick<LibraryStatus, 'folders' | 'photoCount' | 'indexing'>;
  queryText: string | undefined;
  /** The colour-only demo model with no adapter that may have taught it more. */
  modelKnowsOnlyColours: boolean;
  /** The same search's total without its filters; undefined when it has none. */
  unfilteredTotal: (() => Promise<number>) | undefined;
}): Promise<NoResultsReason[]> {
  const { status } = facts;
  const reasons: NoResultsReason[] = [];
  const { phase, done, total } = status.indexing;
  if (status.folders.length === 0) {
    reasons.push({ kind: 'no-folders', message: 'The library has no folders yet: add a folder of photos.' });
    return reasons;
  }
  if (phase === 'scanning' || phase === 'indexing' || phase === 'paused') {
    const paused = phase === 'paused' ? ' (paused)' : '';
    reasons.push({
      kind: 'indexing',
      done,
      total,
      message:
        total > 0
          ? `Still indexing${paused}: ${done.toLocaleString('en')} of ${total.toLocaleString('en')} photos so far. Photos not indexed yet cannot be found.`
          : 'Still looking for photos in your folders. Photos not indexed yet cannot be found.',
    });
  } else if (status.photoCount === 0) {
    reasons.push({ kind: 'not-indexed', message: 'No photo in the library folders is indexed yet.' });
  }
  if (facts.unfilteredTotal && status.photoCount > 0) {
    const excluded = await facts.unfilteredTotal();
    if (excluded > 0)
      reasons.push({
        kind: 'filtered',
        excluded,
        message: `The filters excluded ${excluded.toLocaleString('en')} photo${excluded === 1 ? ' that matches' : 's that match'} the search without them.`,
      });
  }
  if (facts.modelKnowsOnlyColours && facts.queryText && status.photoCount > 0) {
    const words = wordsUnknownToDemo(facts.queryText);
    if (words.length > 0)
      reasons.push({
        kind: 'unknown-words',
        words,
        message: `The demo model only knows colours; it does not know ${quoted(words)}. Try a colour such as “red”.`,
      });
  }
  return reasons;
}
