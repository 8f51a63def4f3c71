// The core in an Electron utility process: indexing, inference and LanceDB never run on the main
// process (which draws windows) nor in the renderer, so the window stays responsive while thousands of
// photos are encoded. It receives its data directory from the main process (it cannot ask Electron's
// `app`) and answers the envelope in electron/protocol.ts.
// First: LanceDB's native log level is fixed when it loads (see main/store/native-log.ts).
import '../main/store/native-log.js';
import { realpath } from 'node:fs/promises';
import { createCoreApi } from '../main/api/core-api.js';
import type { CoreApi } from '../main/api/dispatch.js';
import { dispatch, errorBody } from '../main/api/dispatch.js';
import { resolveMedia } from '../main/api/media-access.js';
import { EVENT_NAMES } from '../main/api/types.js';
import { formatFromExtension } from '../main/media/formats.js';
import { describeError } from '../main/errors.js';
import { logError } from '../main/log.js';
import { isUnder } from '../main/paths.js';
import type { FromCore, ToCore } from './protocol.js';

const port = process.parentPort;
let api: CoreApi | undefined;
let opening: Promise<CoreApi> | undefined;

const send = (message: FromCore) => port.postMessage(message);

/** Whether a path is a photo file inside one of the library's folders (for "open" and "show"). */
async function ownsPath(core: CoreApi, path: string): Promise<boolean> {
  try {
    const real = await realpath(path);
    const folders = await core.media.libraryFolders();
    for (const f of folders) {
      const realFolder = await realpath(f).catch(() => null);
      if (realFolder && isUnder(real, realFolder)) {
        // A folder itself may be shown; a file only if it is a photo (never open an executable).
        return real === realFolder || formatFromExtension(real) !== undefined;
      }
    }
  } catch {
    // Missing or unreadable: not ours to open.
  }
  return false;
}

async function handle(message: ToCore): Promise<void> {
  switch (message.type) {
    case 'init': {
      if (opening) return;
      opening = createCoreApi(message.init);
      try {
        api = await opening;
        for (const name of EVENT_NAMES)
          api.subscribe(name, (payload) => send({ type: 'event', name, payload }));
        send({ type: 'ready' });
      } catch (e) {
        send({ type: 'init-error', message: describeError(e) });
      }
      return;
    }
    case 'call': {
      const core = api ?? (await opening);
      if (!core) {
        send({ type: 'result', id: message.id, reply: errorBody(new Error('the core is not open')).body });
        return;
      }
      const r = await dispatch(core, message.method, message.request);
      send({ type: 'result', id: message.id, reply: r.ok ? { result: r.result } : r.body });
      return;
    }
    case 'media': {
      const core = api ?? (await opening);
      send({
        type: 'media',
        id: message.id,
        file: core ? await resolveMedia(core.media, message.route) : null,
      });
      return;
    }
    case 'owns-path': {
      const core = api ?? (await opening);
      send({ type: 'owns-path', id: message.id, owned: core ? await ownsPath(core, message.path) : false });
      return;
    }
    case 'close': {
      await api?.close();
      send({ type: 'closed' });
      process.exit(0);
    }
  }
}

port.on('message', (e) => {
  const message = e.data as ToCore;
  handle(message).catch((err) => logError(`core: '${message.type}' failed`, err));
});
