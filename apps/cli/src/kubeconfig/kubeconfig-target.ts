import { existsSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';

/**
 * The file kubectl itself would write new entries to (client-go `PathOptions.GetDefaultFilename`):
 * `--kubeconfig`; else with `$KUBECONFIG` a single path as is, or of several the first that exists, or the
 * last when none does; else `~/.kube/config`.
 */
export function kubeconfigWritePath(
  explicit: string | undefined,
  kubeconfigEnv: string | undefined,
  homeDir: string,
  exists: (path: string) => boolean = existsSync,
): string {
  if (explicit) return resolve(explicit);
  const listed = [...new Set((kubeconfigEnv ?? '').split(delimiter).filter(Boolean))];
  if (listed.length === 1) return resolve(listed[0] as string);
  if (listed.length > 1)
    return resolve(listed.find((path) => exists(path)) ?? (listed[listed.length - 1] as string));
  return join(homeDir, '.kube', 'config');
}
