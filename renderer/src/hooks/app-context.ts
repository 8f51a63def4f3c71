import { createContext, useContext } from 'react';
import type { LibraryStatus, PhotoSummary, SearchFilters } from '../api/types';
import type { AppClient } from '../api/client';

export type ViewName = 'photos' | 'search' | 'library' | 'tagging' | 'tuning' | 'models';

export interface PhotoSource {
  total: number;
  item(index: number): PhotoSummary | undefined;
  /** Loads items [start, end); a promise says when they are there (the viewer then shows them). */
  ensureRange?(start: number, end: number): void | Promise<unknown>;
}

export interface AppContextValue {
  client: AppClient;
  status: LibraryStatus | null;
  refreshStatus(): Promise<void>;
  navigate(view: ViewName): void;
  /** Opens the photo view on `source.item(index)`; arrows move through the source. */
  openPhoto(source: PhotoSource, index: number): void;
  /** Runs an action, showing its error in words if it fails; resolves to undefined then. */
  run<T>(action: () => Promise<T>, done?: string): Promise<T | undefined>;
  notify(message: string): void;
  /** Search for photos like this one (switches to Search). */
  searchSimilar(photo: PhotoSummary): void;
  /** Search for photos like all of these together (a selection; switches to Search). */
  searchSimilarToMany(photos: PhotoSummary[]): void;
  /** Search with these filters (switches to Search). */
  searchWith(filters: SearchFilters): void;
}

export const AppContext = createContext<AppContextValue | null>(null);

export function useApp(): AppContextValue {
  const ctx = useContext(AppContext);
  if (!ctx) throw new Error('useApp outside AppContext');
  return ctx;
}
