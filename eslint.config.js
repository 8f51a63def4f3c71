// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import { layersRule } from './scripts/eslint/layers.mjs';

const ELECTRON_MESSAGE = 'main/ is plain Node; Electron code belongs in electron/.';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'test-results/', 'bench/out/', 'models/generated/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // The core runs in plain Node (CLI, tests, web mode): it must never import Electron, by any path
    // (`electron/main`, `electron/common`) or by a dynamic import(). Inside main/, layers import only
    // downward (scripts/eslint/layers.mjs; main/README.md draws them).
    files: ['main/**/*.ts'],
    plugins: { lookbook: { rules: { layers: layersRule } } },
    rules: {
      'lookbook/layers': 'error',
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: ELECTRON_MESSAGE }],
          patterns: [{ group: ['electron/*'], message: ELECTRON_MESSAGE }],
        },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: 'ImportExpression[source.value=/^electron(\\u002F|$)/]',
          message: ELECTRON_MESSAGE,
        },
      ],
    },
  },
  {
    // The renderer talks to the core only through the shared API types; no Node built-ins.
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'electron', 'fs', 'path', 'child_process'],
              message: 'The renderer has no Node access.',
            },
            {
              // Anything under main/ except the shared API types (a gitignore-style negation cannot
              // re-include a file under an excluded folder, hence the regex).
              regex: '(^|/)main/(?!api/types(\\.[jt]s)?$)',
              message: 'Import only the shared API types from main/api/types.',
            },
          ],
        },
      ],
    },
  },
);
