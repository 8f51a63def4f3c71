// The app's two custom schemes (see [Note: media access]):
//   lookbook-app://app/…     the built renderer (dist/renderer), with the Content-Security-Policy;
//   lookbook-media://media/… thumbnails and photos, resolved by the core, which serves only library files.
import { stat } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { pathToFileURL } from 'node:url';
import { net, protocol } from 'electron';
import { rendererFileType } from '../main/api/renderer-file-types.js';
import { isUnder } from '../main/paths.js';
import type { CoreClient } from './core-client.js';
import { CSP } from './security.js';

/** Must run before app 'ready'. */
export function registerSchemes(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: 'lookbook-app', privileges: { standard: true, secure: true, supportFetchAPI: true } },
    {
      scheme: 'lookbook-media',
      privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true },
    },
  ]);
}

const notFound = () => new Response('Not found', { status: 404, headers: { 'Content-Type': 'text/plain' } });

export function handleSchemes(rendererDir: string, core: CoreClient): void {
  protocol.handle('lookbook-app', async (request) => {
    const url = new URL(request.url);
    if (url.host !== 'app') return notFound();
    let rel: string;
    try {
      rel = decodeURIComponent(url.pathname);
    } catch {
      return notFound();
    }
    let file = normalize(join(rendererDir, rel));
    if (!isUnder(file, rendererDir) || rel.includes('\0')) return notFound();
    const s = await stat(file).catch(() => null);
    if (!s?.isFile()) {
      if (extname(rel)) return notFound();
      file = join(rendererDir, 'index.html');
    }
    const upstream = await net.fetch(pathToFileURL(file).toString());
    const type = rendererFileType(file);
    const headers = new Headers({ 'Content-Type': type, 'X-Content-Type-Options': 'nosniff' });
    if (type.startsWith('text/html')) headers.set('Content-Security-Policy', CSP);
    return new Response(upstream.body, { status: 200, headers });
  });

  protocol.handle('lookbook-media', async (request) => {
    const url = new URL(request.url);
    if (url.host !== 'media') return notFound();
    // The raw pathname: the core accepts only plain ids, so encoded separators are refused there.
    const media = await core.media(url.pathname).catch(() => null);
    if (!media) return notFound();
    const upstream = await net.fetch(pathToFileURL(media.path).toString());
    return new Response(upstream.body, {
      status: 200,
      headers: { 'Content-Type': media.contentType, 'Cache-Control': 'private, max-age=3600' },
    });
  });
}
