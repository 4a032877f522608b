import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'dist-krew/', 'node_modules/', 'schema/', 'src/**/*.generated.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', Buffer: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', { paths: [{ name: 'child_process', message: 'use node:child_process' }] }],
    },
  },
  {
    // The model is pure: no I/O, no processes, no clock.
    files: ['src/model/**/*.ts', 'src/rules/**/*.ts', 'src/sim/**/*.ts', 'src/plan/**/*.ts', 'src/sources/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['node:fs', 'node:fs/*', 'node:child_process', 'node:net', 'fs', 'child_process'], message: 'the model is pure: I/O belongs in src/collect, src/fix or src/cli' }] }],
    },
  },
);
