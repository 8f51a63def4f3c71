import { useEffect, useState } from 'react';
import type { ApiEvents, EventName } from '../api/types';
import { useApp } from './app-context';

/** The latest payload of an event (undefined until the first one). */
export function useEvent<E extends EventName>(event: E): ApiEvents[E] | undefined {
  const { client } = useApp();
  const [value, setValue] = useState<ApiEvents[E] | undefined>(undefined);
  useEffect(() => client.subscribe(event, setValue), [client, event]);
  return value;
}

/** Calls `listener` for every payload of an event. */
export function useEventListener<E extends EventName>(event: E, listener: (p: ApiEvents[E]) => void): void {
  const { client } = useApp();
  useEffect(() => client.subscribe(event, listener), [client, event, listener]);
}

export function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}
