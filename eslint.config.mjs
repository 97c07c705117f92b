import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// Module boundaries (STYLE.md rule 1): apps -> libs; libs never import apps or test/;
// another lib only through its public index (the @tether/<lib> package name).
const noDeepLibImports = {
  group: ['@tether/*/*', '**/libs/*/src/**', '../../libs/**', '../../../libs/**'],
  message: 'Import another lib only through its public index: @tether/<lib>.',
};
const noAppImports = { group: ['**/apps/**', '@tether-app/*'], message: 'Libs never import apps.' };
const noTestImports = { group: ['**/test/**', '**/test/e2e/**'], message: 'Nothing imports from test/.' };

export default tseslint.config(
  { ignores: ['**/dist/**', 'node_modules/**', '.tools/**', '.kafka/**', '.tether/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { fixStyle: 'separate-type-imports', disallowTypeAnnotations: false },
      ],
      'no-restricted-imports': ['error', { patterns: [noDeepLibImports, noTestImports] }],
    },
  },
  {
    files: ['libs/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [noDeepLibImports, noAppImports, noTestImports] }],
    },
  },
  {
    files: ['apps/**/*.ts'],
    // NestJS resolves constructor parameters from emitted type metadata: those imports must stay value imports.
    rules: { '@typescript-eslint/consistent-type-imports': 'off' },
  },
  {
    files: ['**/*.spec.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    languageOptions: { globals: { ...globals.node, ...globals.vitest } },
  },
);
