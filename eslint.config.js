// ESLint 9 flat config: code-level checks that tsc does not make, plus the one layering rule that an
// import graph cannot see (SQL through a storage handle). Formatting is deliberately not checked.
//
// Why ESLint + typescript-eslint (not Biome): typescript-eslint's recommended set is the reference rule set
// for TypeScript, and `no-restricted-syntax` lets us state "no SQL outside storage/" as an AST selector.
// The non-type-checked preset is used: it lints the whole tree in seconds on 2 cores, where the
// type-aware preset would build a full TypeScript program a second time (tsc already type-checks).
// Import rules (layers, circles, SQL drivers) are dependency-cruiser's job: .dependency-cruiser.js.
'use strict';
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');

// Node's CommonJS globals, for the few plain .js files (bin/, scripts/, the configs).
const NODE_GLOBALS = Object.fromEntries(
  ['require', 'module', 'exports', '__dirname', '__filename', 'process', 'console', 'Buffer',
    'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'URL'].map((name) => [name, 'readonly']),
);

module.exports = tseslint.config(
  { ignores: ['dist/**', 'coverage/**', 'node_modules/**', '.bench-tmp/**', 'dagmar-data/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: NODE_GLOBALS },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // ES modules run by Node as child processes of tests (test/sdk/: matrix-js-sdk is ESM-only).
    files: ['**/*.mjs'],
    languageOptions: { sourceType: 'module', globals: NODE_GLOBALS },
  },
  {
    rules: {
      // Same convention as tsc's noUnusedParameters: a leading underscore marks "unused on purpose".
      '@typescript-eslint/no-unused-vars': ['error', {
        argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true,
      }],
    },
  },
  {
    // DESIGN §1: storage/ is the only folder that knows SQL. dependency-cruiser stops imports of kysely and
    // better-sqlite3; this stops the other way in, reaching through a storage object's raw handles.
    files: ['src/**/*.ts'],
    ignores: ['src/storage/**'],
    rules: {
      'no-restricted-syntax': ['error', {
        selector: 'MemberExpression[property.name=/^(db|kysely)$/]',
        message: 'SQL lives only under src/storage/ (DESIGN §1): add a repository method instead of using the raw handle.',
      }],
    },
  },
);
