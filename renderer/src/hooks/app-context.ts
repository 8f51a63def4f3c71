import { createContext, useContext } from 'react';
import type { AlbumView, LibraryStatus, PhotoSummary, SearchFilters, SmartQuery } from '../api/types';
import type { AppClient } from '../api/client';

export type ViewName =
  'photos' | 'search' | 'library' | 'tagging' | 'review' | 'duplicates' | 'tuning' | 'models' | 'album';

export interface PhotoSource {
  total: number;
  item(index: number): PhotoSummary | undefined;
  /** Loads items [start, end); a promise says when they are there (the viewer then shows them). */
  ensureRange?(start: number, end: number): void | Promise<unknown>;
  /** Extra buttons the photo view shows for the photo on screen (an album's "Use as album cover"…). */
  actions?: PhotoAction[];
}

export interface PhotoAction {
  label: string;
  run(photo: PhotoSummary): void | Promise<void>;
}

/** What the "New album" dialog starts from: photos for a manual album, or a search for a smart one. */
export interface AlbumDraft {
  kind: 'manual' | 'smart';
  photoIds?: string[];
  smart?: SmartQuery;
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
  /** Search for photos like all of these together (a selection; switches to Search). */
  searchSimilarToMany(photos: PhotoSummary[]): void;
  /** Search with these filters (switches to Search). */
  searchWith(filters: SearchFilters): void;
  /** Every album, kept current by `albumsChanged`. */
  albums: AlbumView[];
  /** Shows one album (the album view). */
  openAlbum(id: string): void;
  /** Opens the "New album" dialog, empty or from photos or a search. */
  newAlbum(draft: AlbumDraft): void;
}

export const AppContext = createContext<AppContextValue | null>(null);

export function useApp(): AppContextValue {
  const ctx = useContext(AppContext);
  if (!ctx) throw new Error('useApp outside AppContext');
  return ctx;
}
