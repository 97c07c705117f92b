import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

// SWC compiles the TypeScript so NestJS decorators keep their emitted type metadata.
const plugins = [swc.vite({ jsc: { target: 'es2023' }, module: { type: 'es6' } })];
const resolve = { conditions: ['source', 'node', 'import', 'default'] };

export default defineConfig({
  plugins,
  resolve,
  ssr: { resolve: { conditions: ['source', 'node', 'import', 'default'] } },
  test: {
    globals: true,
    projects: [
      {
        plugins,
        resolve,
        test: {
          name: 'unit',
          globals: true,
          include: ['libs/**/src/**/*.spec.ts', 'apps/**/src/**/*.spec.ts'],
          testTimeout: 20_000,
        },
      },
      {
        plugins,
        resolve,
        test: {
          name: 'e2e',
          globals: true,
          include: ['test/e2e/**/*.e2e.spec.ts', 'apps/*/test/**/*.spec.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // The e2e suites start real processes and servers; running them one file at a time keeps 2 cores honest.
          fileParallelism: false,
        },
      },
    ],
  },
});
