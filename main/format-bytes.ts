// [Note: one way to write sizes] Every size Lookbook shows — `models list`, the Models view, the
// download progress, a full disk, an archive that is too large, a request body over its cap — is written
// by this one function, so the CLI and the app never disagree about the same model (they once said
// 607 MB and 579.1 MB).
//
// Binary units (1 KB = 1,024 bytes), written KB/MB/GB as Windows Explorer writes them: Lookbook's own
// limits are powers of two (16 MB for an image to search with, 1 MB for an API call), so they read as
// the round numbers they are. One decimal below 10, none above: "4.2 MB", "579 MB", "1.8 GB".
//
// Pure and free of Node and the DOM: the renderer imports it through main/api/types.ts.

const UNITS = ['KB', 'MB', 'GB', 'TB'] as const;

/** A size in words: "512 bytes", "1 KB", "4.2 MB", "579 MB", "1.8 GB". */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '—';
  if (bytes < 1024) return `${Math.round(bytes)} ${Math.round(bytes) === 1 ? 'byte' : 'bytes'}`;
  let value = bytes / 1024;
  let unit = 0;
  // Round first, so 1,023.6 KB becomes "1 MB" rather than "1024 KB".
  while (unit < UNITS.length - 1 && Math.round(value * 10) / 10 >= 1024) {
    value /= 1024;
    unit++;
  }
  const shown = value < 10 ? Math.round(value * 10) / 10 : Math.round(value);
  return `${shown} ${UNITS[unit]}`;
}
