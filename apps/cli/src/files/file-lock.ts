import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { CliError } from '../errors/cli-error.js';

export interface FileLockOptions {
  /** A lock older than this was left by a process that died; it is broken. Keep it above the work's timeout. */
  staleMs?: number;
  /** Give up waiting after this long. */
  timeoutMs?: number;
  pollMs?: number;
}

/**
 * Runs `work` while holding an exclusive lock file (created with O_EXCL, so it works across processes and
 * on every file system Node supports). Waiters poll; a lock older than `staleMs` is removed and retried.
 */
export async function withFileLock<T>(
  lockPath: string,
  work: () => Promise<T>,
  options: FileLockOptions = {},
): Promise<T> {
  const staleMs = options.staleMs ?? 10_000;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const pollMs = options.pollMs ?? 40;
  const owner = `${process.pid}:${randomBytes(8).toString('hex')}`;
  const deadline = Date.now() + timeoutMs;
  while (!tryCreate(lockPath, owner)) {
    breakIfStale(lockPath, staleMs);
    if (Date.now() > deadline) {
      throw new CliError(
        'lock_timeout',
        `timed out waiting for the lock ${lockPath}`,
        'Another tether process may be stuck; stop it or delete that file.',
      );
    }
    await sleep(pollMs + Math.floor(Math.random() * pollMs));
  }
  try {
    return await work();
  } finally {
    release(lockPath, owner);
  }
}

function tryCreate(lockPath: string, owner: string): boolean {
  let fd: number;
  try {
    fd = openSync(lockPath, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    writeSync(fd, owner);
  } finally {
    closeSync(fd);
  }
  return true;
}

function breakIfStale(lockPath: string, staleMs: number): void {
  try {
    if (Date.now() - statSync(lockPath).mtimeMs > staleMs) rmSync(lockPath, { force: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

// Only remove the lock if it is still ours: after a stale break another process may hold a new one.
function release(lockPath: string, owner: string): void {
  try {
    if (readFileSync(lockPath, 'utf8') === owner) rmSync(lockPath, { force: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
