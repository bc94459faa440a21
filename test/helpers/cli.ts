import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tsx = `${root}node_modules/.bin/tsx`;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `sedge <args>` from source (the same code as the built bin), in the repo root. */
export function sedge(...args: string[]): CliResult {
  const r = spawnSync(tsx, [`${root}src/node/cli.ts`, ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export const fixture = (name: string) => `${root}test/fixtures/golden/${name}`;
