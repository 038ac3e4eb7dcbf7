// Flat config: typescript-eslint type-checked rules plus boundaries — apps never import other apps, libs never
// import apps. The TypeScript resolver is required: without it the boundary rule passes silently.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import js from '@eslint/js';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// Every folder of apps/ is an app: a new one is fenced in without an edit here.
const apps = readdirSync(join(import.meta.dirname, 'apps'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);
// One project service for the whole run (its options are read once): every file comes from tsconfig.json, the
// plain-JS scripts too (allowJs: TypeScript reads the provider catalog's literal types from them, unchecked).
const typeAware = { projectService: true, tsconfigRootDir: import.meta.dirname };

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'coverage/**', '.tmp/**', '**/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: typeAware },
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })] },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-extraneous-class': 'off',
      eqeqeq: ['error', 'smart'],
      curly: ['error', 'multi-line'],
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            ...apps.map((app) => ({
              target: `./apps/${app}`,
              from: './apps',
              except: [`./${app}`],
              message: 'Apps never import other apps: talk over NATS or HTTP, share code through libs/.',
            })),
            { target: './libs', from: './apps', message: 'Libs never import apps.' },
            {
              target: './apps/console',
              from: './libs',
              message: 'The console is a browser bundle that speaks only the public API: no server libs in it.',
            },
          ],
        },
      ],
    },
  },
  {
    // Plain Node scripts (runners, setup, supervision): the recommended rules, without type information.
    files: ['**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: globals.node, parserOptions: typeAware },
    rules: {
      // Types inferred from plain JS are enough to catch a promise nobody awaits (a child's exit, a server close).
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      eqeqeq: ['error', 'smart'],
      curly: ['error', 'multi-line'],
      'no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-unused-vars': 'off',
    },
  },
  {
    // The simulator imitates loosely typed provider JSON on purpose, with async Fastify handlers throughout.
    files: ['apps/simulator/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // Tests poke at loosely typed JSON answers on purpose.
    files: ['**/*.spec.ts', '**/*.int-spec.ts', 'test/**/*.ts', 'scripts/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/unbound-method': 'off',
      // Stand-ins implement async ports without awaiting anything.
      '@typescript-eslint/require-await': 'off',
    },
  },
);
