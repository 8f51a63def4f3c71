// What the search view shows when a search finds nothing: the core's reasons (no folders, still
// indexing, the filters, a word the model does not know), each with the one thing to do about it.
// Kept apart from search-view.tsx so the grid around it can change without touching this.
import type { NoResultsReason } from '../api/types';
import type { ViewName } from '../hooks/app-context';
import { EmptyState } from './common';

export function NoResults({
  reasons,
  onClear,
  onClearFilters,
  navigate,
}: {
  reasons: NoResultsReason[];
  /** Clears the query and every filter. */
  onClear: () => void;
  /** Clears the filters only, keeping the query. */
  onClearFilters: () => void;
  navigate: (view: ViewName) => void;
}) {
  const kinds = new Set(reasons.map((r) => r.kind));
  const waiting = kinds.has('indexing');
  return (
    <EmptyState icon={waiting ? 'hourglass' : 'nothing'} title="Nothing matches">
      {reasons.length === 0 ? (
        <p>Try other words, fewer filters, or a broader description.</p>
      ) : (
        <ul className="no-results-reasons" data-testid="no-results-reasons">
          {reasons.map((r) => (
            <li key={r.kind} data-kind={r.kind}>
              {r.message}
            </li>
          ))}
        </ul>
      )}
      <div className="row" style={{ justifyContent: 'center' }}>
        {(kinds.has('no-folders') || kinds.has('not-indexed') || waiting) && (
          <button className="btn btn-primary" onClick={() => navigate('library')}>
            Go to Library
          </button>
        )}
        {kinds.has('unknown-words') && (
          <button className="btn" onClick={() => navigate('models')}>
            Get a real model
          </button>
        )}
        {kinds.has('filtered') && (
          <button className="btn btn-primary" onClick={onClearFilters}>
            Search without the filters
          </button>
        )}
        <button className="btn" onClick={onClear}>
          Clear search and filters
        </button>
      </div>
    </EmptyState>
  );
}
