import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, resolve } from 'node:path';

/**
 * Every npm package the compiled app reaches from `entry` at run time: follows relative `require`s and
 * `@tether/<lib>` (to libs/<lib>/dist) through the build output, and collects the other bare names.
 */
export function packagesRequiredFrom(entry: string, repoRoot: string): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const queue = [resolve(entry)];
  for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    for (const match of source.matchAll(/\brequire\(["']([^"']+)["']\)/g)) {
      const specifier = match[1] ?? '';
      if (specifier.startsWith('.')) queue.push(compiledFile(join(dirname(file), specifier)));
      else if (specifier.startsWith('@tether/')) {
        queue.push(join(repoRoot, 'libs', specifier.slice('@tether/'.length), 'dist', 'index.js'));
      } else if (!isBuiltin(specifier)) packages.add(packageName(specifier));
    }
  }
  return packages;
}

function compiledFile(path: string): string {
  for (const candidate of [path, `${path}.js`, join(path, 'index.js')]) {
    if (existsSync(candidate) && !candidate.endsWith('/')) {
      if (candidate === path && !path.endsWith('.js')) continue;
      return candidate;
    }
  }
  throw new Error(`compiled file not found for ${path}: build first (npx tsc -b tsconfig.build.json)`);
}

function isBuiltin(specifier: string): boolean {
  return specifier.startsWith('node:') || builtinModules.includes(specifier.split('/')[0] ?? '');
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}
