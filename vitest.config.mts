import swc from 'unplugin-swc';
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';

// SWC compiles the TypeScript so NestJS decorators keep their emitted type metadata.
// The 'source' export condition makes @tether/<lib> resolve to its TypeScript source, not dist/.
const conditions = ['source', 'node', 'import', 'default'];
// Vitest also hands the SSR conditions to Node as --conditions, which apply to require() as well: with
// 'import' there, a CommonJS package (pg) would require the ESM build of a dual-format dependency
// (pg-pool). Vite adds 'import' or 'require' itself by how a module is loaded.
const ssrConditions = ['source', 'node', 'default'];

function project(test: TestProjectInlineConfiguration['test']): TestProjectInlineConfiguration {
  return {
    plugins: [swc.vite({ jsc: { target: 'es2023' }, module: { type: 'es6' } })],
    resolve: { conditions },
    ssr: { resolve: { conditions: ssrConditions, externalConditions: ssrConditions } },
    test: { globals: true, ...test },
  };
}

export default defineConfig({
  test: {
    projects: [
      project({
        name: 'unit',
        include: ['libs/**/src/**/*.spec.ts', 'apps/**/src/**/*.spec.ts'],
        testTimeout: 20_000,
      }),
      project({
        name: 'e2e',
        include: ['test/e2e/**/*.e2e.spec.ts', 'apps/*/test/**/*.spec.ts', 'libs/*/test/**/*.spec.ts'],
        testTimeout: 120_000,
        hookTimeout: 120_000,
        // The e2e suites start real processes and servers; one file at a time keeps 2 cores honest.
        fileParallelism: false,
      }),
    ],
  },
});
