/** A CommandContext over a temporary config folder, with stdout and stderr captured. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readCliEnvironment, type CliEnvironment } from '../cli-environment.js';
import type { CommandContext } from '../commands/command-context.js';
import { CliConfigStore } from '../config/cli-config-store.js';
import { sessionFromTokenResponse, type StoredSession } from '../session/stored-session.js';
import { TokenCache } from '../session/token-cache.js';

export interface TestContext extends CommandContext {
  dir: string;
  stdout: () => string;
  stderr: () => string;
  cleanup: () => void;
}

export const cliSourceMain = resolve(__dirname, '..', 'main.ts');
export const tsxLoader = resolve(
  __dirname,
  '..',
  '..',
  '..',
  '..',
  'node_modules',
  'tsx',
  'dist',
  'loader.mjs',
);

/** Runs the CLI from source in a child process (what kubectl does with the built one). */
export const sourceLauncher = { command: process.execPath, args: ['--import', tsxLoader, cliSourceMain] };

export function testContext(env: Partial<CliEnvironment> = {}): TestContext {
  const dir = mkdtempSync(join(tmpdir(), 'tether-cli-'));
  let out = '';
  let err = '';
  const base = readCliEnvironment(
    { HOME: dir, TETHER_CONFIG_DIR: join(dir, 'config'), PATH: '' },
    { stdin: false, stderr: false },
  );
  return {
    dir,
    env: { ...base, ...env },
    io: { out: (s) => void (out += s), err: (s) => void (err += s) },
    launcher: sourceLauncher,
    now: Date.now,
    openBrowser: () => false,
    stdout: () => out,
    stderr: () => err,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Signs `ctx` in to `broker` as if `tether login` had run, with the access token expiring in `accessLeftMs`. */
export function seedSession(
  ctx: TestContext,
  broker: { url: string; caPem: string; issue: () => Record<string, unknown> },
  accessLeftMs: number,
): StoredSession {
  const store = new CliConfigStore(ctx.env.configDir);
  store.write({ currentBroker: broker.url, brokers: { [broker.url]: { caPem: broker.caPem } } });
  const session = sessionFromTokenResponse(broker.url, broker.issue(), Date.now());
  session.accessExpiresAt = new Date(Date.now() + accessLeftMs).toISOString();
  new TokenCache(ctx.env.configDir, broker.url).write(session);
  return session;
}
