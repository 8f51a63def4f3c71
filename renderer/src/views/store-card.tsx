import { useEffect, useState } from 'react';
import type { StoreView } from '../api/types';
import { messageOf } from '../api/client';
import { useApp } from '../hooks/app-context';

// Where the index lives (the library's tables): in the data directory, in a shared folder, or in a bucket
// that several computers use. Changing it is rare and takes effect at the next start, so this is a plain
// field and a Save button. Credentials are never typed here: they come from the environment.

const KIND_WORDS: Record<StoreView['kind'], string> = {
  local: 'On this computer',
  folder: 'In a shared folder',
  'object-storage': 'In online storage',
};

export function StoreCard() {
  const { client, online } = useApp();
  const [view, setView] = useState<StoreView | null>(null);
  const [draft, setDraft] = useState('');
  const [saving, setSaving] = useState(false);
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);

  useEffect(() => {
    client.call('store.get', {}).then(
      (v) => {
        setView(v);
        setDraft(v.setting ?? '');
      },
      () => setView(null),
    );
  }, [client]);

  if (!view) return null;
  const save = async (store: string | null) => {
    setSaving(true);
    try {
      const v = await client.call('store.set', { store });
      setView(v);
      setDraft(v.setting ?? '');
      setMessage({ text: 'Saved. Lookbook uses it the next time it starts.', error: false });
    } catch (e) {
      setMessage({ text: messageOf(e), error: true });
    } finally {
      setSaving(false);
    }
  };

  return (
    <section className="card" aria-labelledby="store-title">
      <h2 id="store-title">Where the index is kept</h2>
      <p className="small" data-testid="store-current">
        {KIND_WORDS[view.kind]}: <span className="mono">{view.current}</span>
      </p>
      {view.overridden && (
        <p className="small muted">Chosen when Lookbook was started (LOOKBOOK_STORE or --store).</p>
      )}
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          void save(draft.trim() || null);
        }}
      >
        <input
          disabled={!online}
          className="input grow mono"
          aria-label="Where to keep the index"
          placeholder="this computer (leave empty), /Volumes/Photos/lookbook or s3://bucket/lookbook"
          value={draft}
          onChange={(e) => {
            setDraft(e.target.value);
            setMessage(null);
          }}
        />
        <button
          className="btn"
          type="submit"
          disabled={!online || saving || draft.trim() === (view.setting ?? '')}
        >
          Save
        </button>
      </form>
      {message && (
        <p
          className={message.error ? 'field-error' : 'small muted'}
          role={message.error ? 'alert' : 'status'}
        >
          {message.text}
        </p>
      )}
      <p className="small muted">
        A change takes effect the next time Lookbook starts. Several computers can share one library by naming
        the same place. For online storage, the access key and the server address come from environment
        variables set on each computer (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and, for your own server,
        AWS_ENDPOINT_URL), never from here: Lookbook does not store them.
      </p>
    </section>
  );
}
