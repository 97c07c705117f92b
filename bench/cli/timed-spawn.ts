/** Wall time of one Node child process from spawn to exit, in milliseconds. */
import { spawn } from 'node:child_process';

export interface NodeRun {
  args: string[];
  env: Record<string, string>;
}

/** With `expectCredential`, the run must print exactly one ExecCredential on stdout, or the bench fails. */
export function timeRun(run: NodeRun, expectCredential = false): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, run.args, { env: run.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
      if (code !== 0) return reject(new Error(`node ${run.args.join(' ')} exited ${code}: ${stderr}`));
      if (expectCredential && JSON.parse(stdout).kind !== 'ExecCredential') {
        return reject(new Error(`not an ExecCredential: ${stdout}`));
      }
      resolve(elapsed);
    });
  });
}
