import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { documentedVariables } from '../support/env-example';

const ROOT = join(__dirname, '../..');

interface SourceFile {
  path: string;
  text: string;
}

/** The product's sources: dev tooling lives in dev/ with its own documented settings. */
function sources(dir = join(ROOT, 'src')): SourceFile[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    const rel = relative(ROOT, path);
    if (statSync(path).isDirectory()) return sources(path);
    if (!name.endsWith('.ts') || name.endsWith('.spec.ts')) return [];
    return [{ path: rel, text: readFileSync(path, 'utf8') }];
  });
}

/** The body of `class Name ... { ... }`, by brace matching. */
function classBody(text: string, name: string): string | null {
  const start = new RegExp(`class ${name}\\b[^{]*\\{`).exec(text);
  if (!start) return null;
  let depth = 1;
  let i = start.index + start[0].length;
  const from = i;
  for (; i < text.length && depth > 0; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}') depth--;
  }
  return text.slice(from, i - 1);
}

/**
 * Every variable the code reads, with the file that reads it. Config is read two ways: config
 * classes handed to validateEnv or configProvider (their UPPER_CASE properties are the
 * variables), and direct reads
 * (`env.X`, `env['X']`, `process.env.X`). Variables read by prefix are listed separately.
 */
function variablesReadByCode(files: SourceFile[]): Map<string, string> {
  const read = new Map<string, string>();
  const configClasses = new Set(
    files.flatMap((f) =>
      [...f.text.matchAll(/(?:validateEnv|configProvider)\(\s*(\w+)/g)].map((m) => m[1]),
    ),
  );
  for (const file of files) {
    for (const name of configClasses) {
      const body = classBody(file.text, name);
      if (body === null) continue;
      // Top-level property declarations only (two-space indent), not names inside methods.
      for (const m of body.matchAll(/^ {2}([A-Z][A-Z0-9_]+)[?!]?\s*[:=]/gm)) {
        read.set(m[1], file.path);
      }
    }
    for (const m of file.text.matchAll(
      /\benv\??\.([A-Z][A-Z0-9_]+)\b|\benv\[\s*'([A-Z][A-Z0-9_]+)'/g,
    )) {
      read.set(m[1] ?? m[2], file.path);
    }
  }
  return read;
}

/** Action names, from every @KitsuAction({ name: '...' }) outside dev-only code. */
function actionNames(files: SourceFile[]): string[] {
  return files.flatMap((f) =>
    [...f.text.matchAll(/@KitsuAction\(\{\s*name:\s*'([a-z][a-z0-9-]*)'/g)].map((m) => m[1]),
  );
}

/** Variables the compose files interpolate (`${NAME...}`), e.g. published ports. */
function composeVariables(): Set<string> {
  const names = new Set<string>();
  for (const file of readdirSync(ROOT).filter((n) => /^docker-compose.*\.yml$/.test(n))) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    for (const m of text.matchAll(/\$\{([A-Z][A-Z0-9_]*)/g)) names.add(m[1]);
  }
  return names;
}

describe('.env.example is the one list of settings', () => {
  const files = sources();
  const read = variablesReadByCode(files);
  const documented = documentedVariables();
  // FEEDBACK_<ACTION> is read by walking the environment (src/feedback/feedback.config.ts).
  const feedbackFamily = new Set([
    'FEEDBACK_MAX_TASKS',
    'FEEDBACK_READONLY',
    'FEEDBACK_REFUSALS',
    ...actionNames(files).map((name) => `FEEDBACK_${name.toUpperCase().replace(/-/g, '_')}`),
  ]);

  it('finds the ways config is read (guards the scan itself)', () => {
    expect(read.get('ZOU_URL')).toBe('src/zou/zou.config.ts');
    expect(read.get('RENDER_SCENE_TEMPLATE')).toBe('src/actions/render/render.config.ts');
    expect(read.has('AUTHZ')).toBe(true); // env.AUTHZ in the authorizer
    expect(read.has('OPEN_EXR')).toBe(false); // an object key, not a setting
    expect(feedbackFamily).toContain('FEEDBACK_RENDER_TRACK');
  });

  it('documents every variable the code reads', () => {
    const missing = [...read.entries()]
      .filter(([name]) => !documented.includes(name))
      .map(([name, file]) => `${name} (read in ${file})`);
    expect(missing).toEqual([]);
  });

  it('documents a FEEDBACK_ variable for every action', () => {
    expect([...feedbackFamily].filter((name) => !documented.includes(name))).toEqual([]);
  });

  it('documents nothing the code or the compose files no longer read', () => {
    const compose = composeVariables();
    const stale = documented.filter(
      (name) => !read.has(name) && !feedbackFamily.has(name) && !compose.has(name),
    );
    expect(stale).toEqual([]);
  });

  it('lists each variable once', () => {
    expect(documented.filter((name, i) => documented.indexOf(name) !== i)).toEqual([]);
  });
});
