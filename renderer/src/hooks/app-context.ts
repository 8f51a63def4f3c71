import { createContext, useContext } from 'react';
import type { LibraryStatus, PhotoSummary, SearchFilters } from '../api/types';
import type { AppClient } from '../api/client';

export type ViewName = 'search' | 'library' | 'tagging' | 'tuning' | 'models';

export interface PhotoSource {
  total: number;
  item(index: number): PhotoSummary | undefined;
  ensureRange?(start: number, end: number): void;
}

export interface AppContextValue {
  client: AppClient;
  status: LibraryStatus | null;
  refreshStatus(): Promise<void>;
  navigate(view: ViewName): void;
  /**
   * Opens the photo view on `source.item(index)`; arrows move through the source. `onClosed` learns
   * which photo was shown last (the grid puts its focus back there).
   */
  openPhoto(source: PhotoSource, index: number, onClosed?: (lastIndex: number) => void): void;
  /** False while the web server cannot be reached: what needs it is disabled, and a banner says why. */
  online: boolean;
  /** Runs an action, showing its error in words if it fails; resolves to undefined then. */
  run<T>(action: () => Promise<T>, done?: string): Promise<T | undefined>;
  notify(message: string): void;
  /** Search for photos like this one (switches to Search). */
  searchSimilar(photo: PhotoSummary): void;
  /** Search with these filters (switches to Search). */
  searchWith(filters: SearchFilters): void;
}

export const AppContext = createContext<AppContextValue | null>(null);

export function useApp(): AppContextValue {
  const ctx = useContext(AppContext);
  if (!ctx) throw new Error('useApp outside AppContext');
  return ctx;
}
