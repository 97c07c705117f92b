// Runs the pinned helm against the charts in deploy/helm and parses what it renders.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pinnedToolPath } from '@tether/testing';
import { parseAllDocuments, stringify } from 'yaml';

export const repoRoot = join(__dirname, '..', '..', '..');

export type ChartName = 'tether-agent' | 'tether-broker';

export interface HelmResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A rendered Kubernetes object; only the fields every object has are typed. */
export interface RenderedObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [field: string]: unknown;
}

export function chartPath(chart: ChartName): string {
  return join(repoRoot, 'deploy', 'helm', chart);
}

/** Runs helm with `values` written to a values file (as an operator would pass `-f`). */
export function helm(args: string[], values?: unknown): Promise<HelmResult> {
  const dir = mkdtempSync(join(tmpdir(), 'tether-helm-'));
  const valuesArgs: string[] = [];
  if (values !== undefined) {
    const file = join(dir, 'values.yaml');
    writeFileSync(file, stringify(values));
    valuesArgs.push('-f', file);
  }
  return new Promise((resolve) => {
    execFile(
      pinnedToolPath('helm'),
      [...args, ...valuesArgs],
      // HOME and the helm folders point at a private directory: no repository config or cache leaks in.
      {
        timeout: 30_000,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: dir,
          HELM_CACHE_HOME: join(dir, 'cache'),
          HELM_CONFIG_HOME: join(dir, 'config'),
          HELM_DATA_HOME: join(dir, 'data'),
        },
      },
      (error, stdout, stderr) => {
        rmSync(dir, { recursive: true, force: true });
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

export function lint(chart: ChartName, values: unknown): Promise<HelmResult> {
  return helm(['lint', '--strict', chartPath(chart)], values);
}

/** `helm template` as release `name` in `namespace`; throws with helm's message when it fails. */
export async function render(
  chart: ChartName,
  values: unknown,
  { name = 'tether', namespace = 'tether-system' } = {},
): Promise<Rendered> {
  const result = await helm(['template', name, chartPath(chart), '--namespace', namespace], values);
  if (result.code !== 0) throw new Error(`helm template ${chart} failed:\n${result.stderr}`);
  return new Rendered(result.stdout);
}

/** The objects of one `helm template` run. */
export class Rendered {
  readonly objects: RenderedObject[];

  constructor(readonly text: string) {
    this.objects = parseAllDocuments(text)
      .map((document) => document.toJS() as RenderedObject | null)
      .filter((object): object is RenderedObject => object !== null);
  }

  ofKind(kind: string): RenderedObject[] {
    return this.objects.filter((object) => object.kind === kind);
  }

  /** The only object of `kind` (and `name`, when given); throws when there is none or several. */
  one<T = RenderedObject>(kind: string, name?: string): T {
    const found = this.ofKind(kind).filter((object) => name === undefined || object.metadata.name === name);
    if (found.length !== 1) {
      throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}`);
    }
    return found[0] as T;
  }

  /** The rendered objects as one multi-document YAML stream, e.g. to load into the simulator. */
  yamlOf(kinds: string[]): string {
    return this.objects
      .filter((object) => kinds.includes(object.kind))
      .map((object) => stringify(object))
      .join('---\n');
  }
}
