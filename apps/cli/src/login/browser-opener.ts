import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import type { CliEnvironment } from '../cli-environment.js';

/** Opens a URL in the person's browser; returns false when it did not try (the URL is printed either way). */
export type BrowserOpener = (url: string) => boolean;

/**
 * `$BROWSER` (first entry of the list, `%s` replaced by the URL) or the desktop's opener, and only when a
 * person is at a terminal: in CI or under kubectl without a terminal, a browser popping up helps no one.
 */
export function systemBrowserOpener(env: CliEnvironment): BrowserOpener {
  return (url) => {
    if (!env.interactiveTerminal) return false;
    const command = browserCommand(env, url);
    if (!command) return false;
    try {
      const child = spawn(command[0] as string, command.slice(1), { stdio: 'ignore', detached: true });
      child.on('error', () => undefined);
      child.unref();
      return true;
    } catch {
      return false;
    }
  };
}

function browserCommand(env: CliEnvironment, url: string): string[] | undefined {
  const fromEnv = env.browser?.split(':')[0]?.trim();
  if (fromEnv) {
    const words = fromEnv.split(/\s+/);
    return words.some((w) => w.includes('%s')) ? words.map((w) => w.replace('%s', url)) : [...words, url];
  }
  const opener = env.platform === 'darwin' ? 'open' : 'xdg-open';
  const found = findOnPath(opener, env.path);
  return found ? [found, url] : undefined;
}

function findOnPath(name: string, path: string): string | undefined {
  if (isAbsolute(name)) return name;
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}
