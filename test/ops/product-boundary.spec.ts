import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');

function productFiles(dir = join(ROOT, 'src')): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return productFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.spec.ts') ? [path] : [];
  });
}

/** Relative module specifiers of a file's imports and re-exports. */
function relativeImports(text: string): string[] {
  return [...text.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => m[1]);
}

/** Dev tooling (simulators, demo, dev mode, dev Redis) sits in dev/ and never reaches the product. */
describe('the product and its dev tooling', () => {
  const files = productFiles();

  it('finds the product sources (guards the scan)', () => {
    expect(files.length).toBeGreaterThan(50);
    expect(files.some((file) => file.endsWith(join('src', 'main.ts')))).toBe(true);
  });

  it('never imports from dev/ or test/ in src/ (spec files aside)', () => {
    const crossings = files.flatMap((file) =>
      relativeImports(readFileSync(file, 'utf8'))
        .map((spec) => relative(ROOT, resolve(dirname(file), spec)))
        .filter((target) => !target.startsWith('src'))
        .map((target) => `${relative(ROOT, file)} -> ${target}`),
    );
    expect(crossings).toEqual([]);
  });

  it('builds the product (and so its image) from src/ alone', () => {
    const build = JSON.parse(readFileSync(join(ROOT, 'tsconfig.build.json'), 'utf8')) as {
      include: string[];
    };
    expect(build.include).toEqual(['src/**/*.ts']);
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(runtime).not.toMatch(/dist-dev|COPY dev\b/);
  });
});
