// `npm start`: builds what changed, then runs the embedded stack (libs/testing/src/stack/embedded-main.ts).
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);

process.stderr.write('building...\n');
const build = spawnSync('npx', ['tsc', '-b', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) {
  process.stderr.write('tether: the build failed; see the errors above\n');
  process.exit(build.status ?? 1);
}
const stack = spawn(
  process.execPath,
  [join(root, 'libs', 'testing', 'dist', 'stack', 'embedded-main.js'), ...args],
  {
    cwd: process.cwd(),
    stdio: 'inherit',
  },
);
// Ctrl-C reaches both processes through the terminal; a plain SIGTERM to npm is passed on.
process.on('SIGTERM', () => stack.kill('SIGTERM'));
process.on('SIGINT', () => {});
stack.on('close', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
