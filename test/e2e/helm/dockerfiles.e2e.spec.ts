import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packagesRequiredFrom } from './compiled-imports.js';
import { podSpecOf } from './container-env.js';
import { render, repoRoot } from './helm-chart.js';

// No Docker engine runs here, so the images are never built in the suite: these are the structural
// facts a build depends on, checked against the repository and the charts that run the images.
const apps = ['broker', 'agent', 'auditor'] as const;
const rootPackage = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

interface Stage {
  from: string;
  name?: string;
  lines: string[];
}

function stagesOf(app: string): Stage[] {
  const text = readFileSync(join(repoRoot, 'apps', app, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  const args = new Map<string, string>();
  const stages: Stage[] = [];
  for (const line of text.split('\n').map((l) => l.trim())) {
    if (line === '' || line.startsWith('#')) continue;
    const arg = /^ARG (\w+)=(\S+)$/.exec(line);
    if (arg && stages.length === 0) args.set(arg[1] ?? '', arg[2] ?? '');
    const from = /^FROM (\S+)(?: AS (\S+))?$/i.exec(line);
    if (from) {
      const image = (from[1] ?? '').replace(/\$\{(\w+)\}/g, (_m, name: string) => args.get(name) ?? '');
      stages.push({ from: image, ...(from[2] ? { name: from[2] } : {}), lines: [] });
    } else stages.at(-1)?.lines.push(line);
  }
  return stages;
}

let chartPods: Promise<Array<{ image: string; runAsUser: unknown }>> | undefined;
const charts = () => (chartPods ??= renderChartPods());

async function renderChartPods(): Promise<Array<{ image: string; runAsUser: unknown }>> {
  const agent = await render('tether-agent', {
    clusterName: 'dev-east',
    broker: { url: 'https://t.example.com' },
  });
  const broker = await render('tether-broker', {
    publicUrl: 'https://t.example.com',
    tls: { secretName: 'tls' },
    database: { url: 'postgres://db/tether' },
    kafka: { brokers: ['kafka:9092'] },
  });
  const pods = [
    podSpecOf(agent.one('Deployment')),
    ...broker.ofKind('Deployment').map((deployment) => podSpecOf(deployment)),
  ];
  return pods.map((pod) => ({
    image: pod.containers[0]?.image ?? '',
    runAsUser: pod.securityContext?.runAsUser,
  }));
}

describe.each(apps)('apps/%s/Dockerfile', (app) => {
  const stages = stagesOf(app);
  const runtime = stages.at(-1) as Stage;

  it('builds in one stage and runs from another, on the Node.js slim image package.json pins', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const nodeVersion = rootPackage.devDependencies.node;
    for (const stage of stages)
      expect(stage.from).toMatch(new RegExp(`^node:${nodeVersion?.replace(/\./g, '\\.')}-\\w+-slim$`));
    const build = stages.find((stage) => stage.lines.some((line) => line.includes('tsc -b')));
    expect(build?.lines).toContainEqual(expect.stringMatching(/^RUN npm ci /));
    expect(build?.lines).toContainEqual(expect.stringContaining(`tsc -b apps/${app}/tsconfig.json`));
    expect(runtime).not.toBe(build);
    expect(runtime.lines.join('\n')).not.toMatch(/npm (ci|install)|tsc/);
  });

  it('installs production dependencies only for the runtime, and never with install scripts', () => {
    const installs = stages.flatMap((stage) =>
      stage.lines.filter((line) => /\bnpm (ci|install)\b/.test(line)),
    );
    expect(installs.some((line) => line.includes('npm ci --omit=dev'))).toBe(true);
    for (const line of installs) expect(line).toContain('--ignore-scripts');
    expect(installs.join('\n')).not.toMatch(/npm install/);
    const copied = runtime.lines.filter((line) => line.startsWith('COPY --from=')).join('\n');
    expect(copied).toMatch(/COPY --from=deps \/app\/node_modules node_modules/);
    expect(stages.find((stage) => stage.name === 'deps')?.lines.join('\n')).toContain('npm ci --omit=dev');
  });

  it('runs as the non-root user the charts expect, with the entry point the build writes', async () => {
    expect(runtime.lines).toContain('USER 10001:10001');
    const entry = runtime.lines.find((line) => line.startsWith('ENTRYPOINT'));
    expect(entry).toBe(`ENTRYPOINT ["node", "--enable-source-maps", "apps/${app}/dist/main.js"]`);
    for (const pod of (await charts()).filter((p) => p.image.includes(`/tether-${app}:`))) {
      expect(pod.runAsUser).toBe(10001);
    }
  });

  it('is the image the charts run (same name as its title label)', async () => {
    const title = /org\.opencontainers\.image\.title="([^"]+)"/.exec(runtime.lines.join(' '))?.[1];
    expect(title).toBe(`tether-${app}`);
    const images = (await charts()).map((pod) => pod.image);
    expect(images).toContainEqual(`ghcr.io/tether-dev/tether-${app}:0.1.0`);
  });

  const source = join(repoRoot, 'apps', app, 'src', 'main.ts');
  // The auditor is being written in parallel; until its source exists there is nothing to compile.
  it.skipIf(!existsSync(source))(
    'compiles src/main.ts to the entry path, needing only production packages',
    () => {
      const tsconfig = JSON.parse(readFileSync(join(repoRoot, 'apps', app, 'tsconfig.json'), 'utf8')) as {
        compilerOptions: { rootDir: string; outDir: string };
      };
      expect(tsconfig.compilerOptions).toMatchObject({ rootDir: 'src', outDir: 'dist' });
      const entry = join(repoRoot, 'apps', app, 'dist', 'main.js');
      expect(existsSync(entry), `${entry} missing: run npx tsc -b tsconfig.build.json`).toBe(true);
      const needed = [...packagesRequiredFrom(entry, repoRoot)].sort();
      expect(needed.length).toBeGreaterThan(0);
      const missing = needed.filter((name) => rootPackage.dependencies[name] === undefined);
      expect(missing, `imported at run time but not a production dependency`).toEqual([]);
    },
  );
});

describe('.dockerignore', () => {
  it('keeps installed modules, build output, secrets and local state out of the build context', () => {
    const ignored = readFileSync(join(repoRoot, '.dockerignore'), 'utf8').split('\n');
    for (const pattern of ['**/node_modules', '**/dist', '.git', '.tools', '.kafka', '.tether', '**/*.pem']) {
      expect(ignored).toContain(pattern);
    }
  });
});
