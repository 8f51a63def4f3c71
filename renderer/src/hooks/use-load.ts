import { useCallback, useEffect, useState } from 'react';
import { messageOf } from '../api/client';

/**
 * Runs `fetch` when a view mounts (and whenever `load` is called again, e.g. after an event says the data
 * changed), keeping the last failure as a sentence to show instead of the data.
 * `fetch` must be stable (wrap it in useCallback) or it runs on every render.
 */
export function useLoad(fetch: () => Promise<void>): { load: () => Promise<void>; loadError: string | null } {
  const [loadError, setLoadError] = useState<string | null>(null);
  const load = useCallback(async () => {
    try {
      await fetch();
      setLoadError(null);
    } catch (e) {
      setLoadError(messageOf(e));
    }
  }, [fetch]);
  useEffect(() => void load(), [load]);
  return { load, loadError };
}
