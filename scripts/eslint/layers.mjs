// @ts-check
// ESLint rule "lookbook/layers": inside main/, a folder imports only the folders below it (main/README.md
// draws the layers). A plain `no-restricted-imports` list cannot say this well: it sees the import
// string, not the folder it lands in, it ignores `import()`, and it would need one list per folder and
// per depth. This rule resolves each relative import (static, re-export or dynamic) to its folder of
// main/ and compares ranks; the message names both folders and the order.
import { dirname, relative, resolve, sep } from 'node:path';

/**
 * Bottom to top. Folders on one line are peers: they may not import each other. Files directly in main/
 * (errors.ts, paths.ts, worker-thread.ts, …) are the base every layer may use.
 */
export const LAYERS = [
  ['media', 'store', 'host'],
  ['engine'],
  ['models'],
  ['library'],
  ['adapters'],
  ['search', 'tagging', 'tuning'],
  ['albums'],
  ['duplicates'],
  ['core'],
  ['api'],
  ['server'],
  ['cli'],
];

/**
 * Modules that are a layer's own business: only files of their folder import them. Other layers go
 * through the folder's entry points (library.ts, clip-engine.ts, …), so its insides can change freely.
 */
export const INTERNAL = new Set([
  'engine/inference-worker.ts',
  'engine/inference-client.ts',
  'engine/inference-protocol.ts',
  'engine/onnx-sessions.ts',
  'library/async-queue.ts',
  'library/exclusions.ts',
  'library/folders.ts',
  'library/index-lock.ts',
  'library/indexer.ts',
  'library/orphans.ts',
  'library/reconcile.ts',
  'library/run-state.ts',
  'library/scanner.ts',
  'library/watcher.ts',
  'library/watching.ts',
  'media/heic-worker.ts',
  // The store's tables and its connection: other layers use library-store.ts (and the tags and pairs
  // tables' types), so no SQL and no raw connection leaves main/store/.
  'store/contents-table.ts',
  'store/database.ts',
  'store/files-table.ts',
  'store/legacy-columns.ts',
  'store/maintenance.ts',
  'store/schemas.ts',
  'store/sql.ts',
  'store/text-embeddings-table.ts',
  'store/vectors-table.ts',
]);

const rankOf = new Map(LAYERS.flatMap((names, rank) => names.map((n) => [n, rank + 1])));
const ORDER = LAYERS.map((l) => l.join(' | ')).join(' → ');

/** The folder of main/ a path is in: '' for a file directly in main/, undefined outside main/. */
function folderIn(mainDir, path) {
  const rel = relative(mainDir, path);
  if (rel.startsWith('..') || rel === '') return undefined;
  const parts = rel.split(sep);
  return parts.length === 1 ? '' : parts[0];
}

/** @type {import('eslint').Rule.RuleModule} */
export const layersRule = {
  meta: {
    type: 'problem',
    docs: { description: 'main/: layers import only downward' },
    schema: [],
    messages: {
      upward: 'main/{{from}} may not import main/{{to}}: layers import only downward ({{order}}).',
      peer: 'main/{{from}} may not import main/{{to}}: they are peers; what both need belongs in a lower layer.',
      unknown:
        'main/{{folder}} is not in the layer list (scripts/eslint/layers.mjs): add it where it belongs.',
      internal: "main/{{module}} is internal to main/{{to}}: use that folder's entry points.",
      baseImports: 'files directly in main/ are the base layer and may not import main/{{to}}.',
    },
  },
  create(context) {
    const file = context.filename;
    const mainDir = resolve(context.cwd, 'main');
    const from = folderIn(mainDir, file);
    if (from === undefined) return {};
    if (from !== '' && !rankOf.has(from)) {
      return {
        Program(node) {
          context.report({ node, messageId: 'unknown', data: { folder: from } });
        },
      };
    }
    /** @param {import('estree').Node & { source?: import('estree').Node | null }} node */
    const check = (node) => {
      const source = node.source;
      if (!source || source.type !== 'Literal' || typeof source.value !== 'string') return;
      const spec = source.value;
      if (!spec.startsWith('.')) return;
      const target = resolve(dirname(file), spec);
      const to = folderIn(mainDir, target);
      if (to === undefined || to === '' || to === from) return;
      const module = relative(mainDir, target).split(sep).join('/').replace(/\.js$/, '.ts');
      if (INTERNAL.has(module)) {
        context.report({ node, messageId: 'internal', data: { module, to } });
        return;
      }
      if (from === '') {
        context.report({ node, messageId: 'baseImports', data: { to } });
        return;
      }
      const a = /** @type {number} */ (rankOf.get(from));
      const b = rankOf.get(to);
      if (b === undefined) return; // reported in that folder's own files
      if (b > a) context.report({ node, messageId: 'upward', data: { from, to, order: ORDER } });
      else if (b === a) context.report({ node, messageId: 'peer', data: { from, to } });
    };
    return {
      ImportDeclaration: check,
      ExportNamedDeclaration: check,
      ExportAllDeclaration: check,
      ImportExpression: check,
    };
  },
};
