// The web mode's connection to the server, as the app shows it (see [Note: offline] in api/client.ts).
import { useEffect, useState } from 'react';
import type { AppClient } from '../api/client';

/** Whether the core answers now; re-renders when that changes. */
export function useOnline(client: AppClient): boolean {
  const [online, setOnline] = useState(client.isOnline());
  useEffect(() => {
    setOnline(client.isOnline());
    return client.onConnectionChange(setOnline);
  }, [client]);
  return online;
}

/** One calm line while the server is away; it goes by itself when the server is back. */
export function OfflineBanner({ onRetry }: { onRetry(): void }) {
  return (
    <div className="banner banner-offline" role="status" data-testid="offline-banner">
      <span>
        <b>Lookbook has stopped.</b> Start it again (<code>lookbook serve</code>) and this page reconnects by
        itself; nothing is lost.
      </span>
      <button className="btn btn-small" onClick={onRetry}>
        Try now
      </button>
    </div>
  );
}
