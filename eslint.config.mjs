import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { layerBoundaries } from './scripts/layers.mjs';

export default tseslint.config(
  { ignores: ['dist/', 'dist-krew/', 'node_modules/', 'schema/', 'generated/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', Buffer: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', { paths: [{ name: 'child_process', message: 'use node:child_process' }] }],
    },
  },
  // Data flows one way (docs/architecture.md): an import of a layer above fails, and the pure layers
  // (sources, model, rules, sim, plan) may not do I/O.
  ...layerBoundaries(),
);
