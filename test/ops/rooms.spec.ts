import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');
const ACTIONS = join('src', 'actions');
/** The one file outside the rooms that names them: each action's module, one line each. */
const COMPOSITION = join(ACTIONS, 'actions.module.ts');

/** TypeScript sources under a folder, spec files aside (they may reach into what they test). */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') && !name.endsWith('.spec.ts') ? [path] : [];
  });
}

/** Relative module specifiers of a file's imports, re-exports and dynamic imports. */
function relativeImports(text: string): string[] {
  return [...text.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => m[1]);
}

/** Every import edge, as paths from the repository root. */
function edges(files: string[]): Array<{ from: string; to: string }> {
  return files.flatMap((file) =>
    relativeImports(readFileSync(file, 'utf8')).map((spec) => ({
      from: relative(ROOT, file),
      to: relative(ROOT, resolve(dirname(file), spec)),
    })),
  );
}

/**
 * The action folder (room) a path is in: `src/actions/<name>`, or `src/actions/custom/<name>` for
 * a studio's own; null for the contract level (files directly in src/actions) and elsewhere.
 */
function roomOf(path: string): string | null {
  if (!path.startsWith(ACTIONS + sep)) return null;
  const parts = path.slice(ACTIONS.length + 1).split(sep);
  const depth = parts[0] === 'custom' ? 2 : 1;
  return parts.length > depth ? join(ACTIONS, ...parts.slice(0, depth)) : null;
}

/** Each action a closed room (src/actions/README.md): the job system knows the contract, no room. */
describe('each action a closed room', () => {
  // test/ is outside the product (e2e tests may read an action's result type); dev/ is not.
  const all = edges([...sources(join(ROOT, 'src')), ...sources(join(ROOT, 'dev'))]);

  it('finds the rooms and their imports (guards the scan)', () => {
    const rooms = new Set(all.map((edge) => roomOf(edge.from)).filter(Boolean));
    for (const room of ['render', 'stats', 'forward', join('custom', 'notify')])
      expect(rooms).toContain(join(ACTIONS, room));
    expect(all.some((edge) => edge.from === COMPOSITION && roomOf(edge.to) !== null)).toBe(true);
    expect(roomOf(join(ACTIONS, 'action.types.ts'))).toBeNull();
    expect(roomOf(join(ACTIONS, 'custom', 'notify', 'notify.action.ts'))).toBe(
      join(ACTIONS, 'custom', 'notify'),
    );
  });

  it('lets nothing outside an action folder import from it (but the list of action modules)', () => {
    const intrusions = all
      .filter((edge) => edge.from !== COMPOSITION)
      .filter((edge) => roomOf(edge.to) !== null && roomOf(edge.to) !== roomOf(edge.from))
      .map((edge) => `${edge.from} -> ${edge.to}`);
    expect(intrusions).toEqual([]);
  });

  it('lets no action import from src/jobs: the job system calls its hooks instead', () => {
    const jobs = join('src', 'jobs') + sep;
    const reaches = all
      .filter((edge) => edge.from.startsWith(ACTIONS + sep) && edge.to.startsWith(jobs))
      .map((edge) => `${edge.from} -> ${edge.to}`);
    expect(reaches).toEqual([]);
  });
});
