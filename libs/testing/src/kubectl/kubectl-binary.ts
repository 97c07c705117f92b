import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** Walks up from this file to the repository root (the folder holding .tools/bin). */
export function findRepoRoot(start: string): string {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, '.tools', 'bin'))) return dir;
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error('kubectl: .tools/bin not found above ' + start + '; run `npm ci` first');
    dir = parent;
  }
}

/** Paths of the pinned client binaries that `npm ci` unpacked (scripts/install-tools.mjs). */
export function pinnedToolPath(tool: 'kubectl' | 'helm'): string {
  const path = join(findRepoRoot(__dirname), '.tools', 'bin', tool);
  if (!existsSync(path)) throw new Error(`${tool} is not installed at ${path}; run \`npm ci\``);
  return path;
}
