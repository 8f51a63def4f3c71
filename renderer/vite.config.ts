// Built with `npm run build:renderer` (vite build renderer): the root is this folder, the output goes to
// dist/renderer, which both the web server and the Electron shell serve.
import { defineConfig } from 'vite';

export default defineConfig({
  // Relative asset URLs: the same build works at http://127.0.0.1:<port>/ and at lookbook-app://app/.
  base: './',
  // Vite's built-in (Oxc) transform handles JSX with React's automatic runtime; no plugin needed.
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
  },
  server: { host: '127.0.0.1' },
});
