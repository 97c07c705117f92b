import swc from 'unplugin-swc';
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';

// SWC compiles the TypeScript so NestJS decorators keep their emitted type metadata.
// The 'source' export condition makes @tether/<lib> resolve to its TypeScript source, not dist/.
const conditions = ['source', 'node', 'import', 'default'];

function project(test: TestProjectInlineConfiguration['test']): TestProjectInlineConfiguration {
  return {
    plugins: [swc.vite({ jsc: { target: 'es2023' }, module: { type: 'es6' } })],
    resolve: { conditions },
    ssr: { resolve: { conditions, externalConditions: conditions } },
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
        include: ['test/e2e/**/*.e2e.spec.ts', 'apps/*/test/**/*.spec.ts'],
        testTimeout: 120_000,
        hookTimeout: 120_000,
        // The e2e suites start real processes and servers; one file at a time keeps 2 cores honest.
        fileParallelism: false,
      }),
    ],
  },
});
