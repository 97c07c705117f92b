import { mkdirSync, readFileSync, realpathSync } from 'node:fs';
import { dirname } from 'node:path';
import { withFileLock } from '../files/file-lock.js';
import { writeFileAtomic } from '../files/private-files.js';

/**
 * Rewrites a kubeconfig in place: under `<file>.lock` (the lock kubectl's own `config` commands take),
 * through a 0600 temporary file renamed over it, following a symlinked kubeconfig to its real file.
 */
export async function updateKubeconfigFile(
  path: string,
  update: (existing: string | undefined) => string,
): Promise<string> {
  const target = resolveSymlink(path);
  mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
  await withFileLock(`${target}.lock`, async () => {
    writeFileAtomic(target, update(readIfExists(target)), 0o600);
  });
  return target;
}

function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function resolveSymlink(path: string): string {
  try {
    return realpathSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return path;
    throw error;
  }
}
