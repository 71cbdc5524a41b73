// Lint rules, including the import boundaries that keep key material and storage in their layers.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

/** Folders whose internals only their own index.ts may expose. */
const layers = ['http', 'auth', 'iam', 'sts', 'kms', 'waf', 'proxy', 'storage', 'barrier', 'audit', 'events', 'cli', 'errors', 'config', 'shield', 'detector', 'posture', 'console'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { files: ['**/*.js', '**/*.mjs'], languageOptions: { globals: globals.node } },
  // --- console --- the web console's browser app runs in the browser, not in Node.
  { files: ['src/console/app/**/*.{ts,tsx}'], languageOptions: { globals: globals.browser } },
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    // Nothing outside storage/ and barrier/ talks to a physical backend: everything else goes
    // through the encrypting barrier. Nothing outside barrier/ touches the seal or keyring.
    files: ['src/**/*.ts'],
    ignores: ['src/storage/**', 'src/barrier/**', 'src/main.ts', 'src/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['**/storage/sqlite*', '**/storage/postgres*'], message: 'Only the composition root picks a physical backend.' },
          { group: ['**/barrier/keyring*', '**/barrier/seal*', '**/barrier/shamir*'], message: 'Root key material stays inside barrier/.' },
          ...layers.map((l) => ({ group: [`**/${l}/*/**`], message: `Import ${l}/ through its index.ts or a top-level module.` })),
        ],
      }],
    },
  },
);
