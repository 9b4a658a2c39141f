import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * How a real POSIX shell (/bin/sh) splits a command line into arguments: `eval "set -- ..."`
 * then one NUL-terminated argument each. It runs in an empty scratch directory and reports any
 * file that appeared there, so a quoting mistake shows up as a file (`id > pwned`), not a guess.
 */
export function shellSplit(command: string): { args: string[]; createdFiles: string[] } {
  const scratch = mkdtempSync(join(tmpdir(), 'shell-split-'));
  try {
    const output = execFileSync(
      '/bin/sh',
      ['-c', 'eval "set -- $1"; printf "%s\\0" "$@"', 'sh', command],
      { cwd: scratch, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const args = output === '' ? [] : output.slice(0, -1).split('\0');
    return { args, createdFiles: readdirSync(scratch) };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
