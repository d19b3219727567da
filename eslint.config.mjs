// Layers, enforced: which project may import which (docs/design.md §10 (Code layout and layers)).
// Only import rules are on; style is prettier's (format:check).
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

/** The core libraries: the method and its training, free of wire formats. */
const CORE_LIBS = ['libs/train', 'libs/distill', 'libs/models', 'libs/tensor', 'libs/data'];

export default [
  {
    ignores: ['**/node_modules/**', '**/build/**', '**/dist/**', '.nx/**'],
  },
  {
    files: ['**/*.ts', '**/*.mts', '**/*.cts', '**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: { parser: tseslint.parser, ecmaVersion: 2022, sourceType: 'module' },
    // typescript-eslint's plugin is registered (no rules on) so eslint-disable comments naming its rules resolve.
    plugins: { '@nx': nx, '@typescript-eslint': tseslint.plugin },
    linterOptions: { reportUnusedDisableDirectives: 'off' },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allowCircularSelfDependency: false,
          checkDynamicDependenciesExceptions: [],
          depConstraints: [
            // Apps are thin shells over libraries: no app imports another app.
            { sourceTag: 'scope:app', onlyDependOnLibsWithTags: ['scope:lib'] },
            { sourceTag: 'scope:lib', onlyDependOnLibsWithTags: ['scope:lib'] },
            { sourceTag: 'scope:tool', onlyDependOnLibsWithTags: ['scope:lib'] },
            // The method's libraries know no wire format: proto, gRPC and the io codecs are tagged layer:wire.
            { sourceTag: 'type:core', notDependOnLibsWithTags: ['layer:wire'] },
          ],
        },
      ],
    },
  },
  {
    files: CORE_LIBS.map((d) => `${d}/**/*.ts`),
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@abd/proto',
              message:
                'core libraries import no generated proto code; wire codecs live in an io library',
            },
          ],
          patterns: [
            {
              group: ['@abd/proto/*', '**/libs/proto/**', '**/proto/src/**'],
              message: 'core libraries import no generated proto code',
            },
          ],
        },
      ],
    },
  },
];
