import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import * as ts from 'typescript';

/** Issue 20: a function longer than this is split into well-named steps. */
const MAX_LINES = 80;
const ROOT = resolve(__dirname, '..', '..');

/** TypeScript sources under a folder, spec files aside (tests may hold long tables of cases). */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') && !name.endsWith('.spec.ts') ? [path] : [];
  });
}

/** Functions, methods, arrows and constructors over the limit, as "file:line name (n lines)". */
function longFunctions(fileName: string, text: string): string[] {
  const file = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (
      ts.isFunctionDeclaration(node) ||
      ts.isMethodDeclaration(node) ||
      ts.isArrowFunction(node) ||
      ts.isFunctionExpression(node) ||
      ts.isConstructorDeclaration(node)
    ) {
      // From the first token (decorators included) to the closing brace, both lines counted.
      const first = file.getLineAndCharacterOfPosition(node.getStart()).line;
      const last = file.getLineAndCharacterOfPosition(node.getEnd()).line;
      const lines = last - first + 1;
      if (lines > MAX_LINES) {
        const name = ts.isConstructorDeclaration(node)
          ? 'constructor'
          : (node.name?.getText(file) ?? '(anonymous)');
        found.push(`${fileName}:${first + 1} ${name} (${lines} lines)`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

describe('function length', () => {
  it(`keeps every function in src/ at ${MAX_LINES} lines or fewer`, () => {
    const tooLong = sources(join(ROOT, 'src')).flatMap((path) =>
      longFunctions(relative(ROOT, path), readFileSync(path, 'utf8')),
    );
    expect(tooLong).toEqual([]);
  });

  it('counts every kind of function, nested ones too', () => {
    const body = (lines: number) => Array.from({ length: lines - 2 }, () => '  work();').join('\n');
    const text = [
      `export function long() {\n${body(81)}\n}`,
      `export function fits() {\n${body(80)}\n}`,
      `class C {\n  constructor() {\n${body(81)}\n  }\n  method() {\n${body(81)}\n  }\n}`,
      `const arrow = () => {\n${body(81)}\n};`,
      `const inner = function () {\n  return () => {\n${body(81)}\n  };\n};`,
    ].join('\n');
    expect(longFunctions('sample.ts', text).map((entry) => entry.split(' ')[1])).toEqual([
      'long',
      'constructor',
      'method',
      '(anonymous)',
      '(anonymous)',
      '(anonymous)',
    ]);
  });
});
