import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

// The README is the front door; each topic has its own page (docs/, or a README beside its code).
// These checks keep the pages linked together: every relative link resolves, anchors included.
const ROOT = resolve(__dirname, '..', '..');
const README_MAX_LINES = 200;

/** README.md, docs/**\/*.md and every src/**\/README.md, as repository-relative paths. */
function documentationPages(): string[] {
  const under = (dir: string, keep: (name: string) => boolean): string[] =>
    existsSync(join(ROOT, dir))
      ? readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
          .filter((path) => keep(path.split(sep).pop() ?? ''))
          .map((path) => join(dir, path))
      : [];
  return [
    'README.md',
    ...under('docs', (name) => name.endsWith('.md')),
    ...under('src', (name) => name === 'README.md'),
  ].sort();
}

/** The text outside fenced code blocks and inline code spans, where links are links. */
function prose(markdown: string): string {
  const lines: string[] = [];
  let fence: string | null = null;
  for (const line of markdown.split('\n')) {
    const marker = /^\s*(```+|~~~+)/.exec(line)?.[1];
    if (marker && (fence === null || marker.startsWith(fence))) {
      fence = fence === null ? marker : null;
      lines.push('');
      continue;
    }
    lines.push(fence === null ? line.replace(/(`+)[\s\S]*?\1/g, '') : '');
  }
  return lines.join('\n');
}

/** Inline links `[text](target)` and reference definitions `[label]: target`. */
function linkTargets(markdown: string): string[] {
  const text = prose(markdown);
  const inline = [...text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]);
  const references = [...text.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)].map((m) => m[1]);
  return [...inline, ...references];
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes, repeats numbered. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const line of prose(markdown).split('\n')) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const text = heading.replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/[*`]/g, '');
    const slug = text
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    result.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return result;
}

/** Why a link from `page` is broken, or null when it resolves. */
function brokenReason(page: string, target: string): string | null {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return null; // https:, mailto: ...: not ours to check
  const [pathPart, anchor] = target.split('#', 2);
  const path = decodeURIComponent(pathPart);
  if (path.startsWith('/')) return 'absolute path (use a relative link)';
  const file = path === '' ? join(ROOT, page) : resolve(ROOT, dirname(page), path);
  const inRepo = relative(ROOT, file);
  if (inRepo.startsWith('..')) return 'leaves the repository';
  if (!existsSync(file)) return `${inRepo} does not exist`;
  if (anchor && statSync(file).isFile() && file.endsWith('.md')) {
    if (!anchors(readFileSync(file, 'utf8')).has(anchor))
      return `no heading #${anchor} in ${inRepo}`;
  }
  return null;
}

describe('documentation pages', () => {
  const pages = documentationPages();

  it('finds the pages it checks (guards the scan itself)', () => {
    expect(pages).toEqual(
      expect.arrayContaining([
        'README.md',
        join('docs', 'deploy.md'),
        join('src', 'actions', 'README.md'),
        join('src', 'actions', 'custom', 'notify', 'README.md'),
      ]),
    );
    expect(linkTargets('[a](b.md) `[c](d.md)`\n```\n[e](f.md)\n```\n[g]: h.md')).toEqual([
      'b.md',
      'h.md',
    ]);
    expect(anchors("## 2. Serve it behind Kitsu's nginx\n## Logs\n## Logs")).toEqual(
      new Set(['2-serve-it-behind-kitsus-nginx', 'logs', 'logs-1']),
    );
  });

  it('has every relative link resolve to a file (and heading) in the repository', () => {
    const broken = pages.flatMap((page) =>
      linkTargets(readFileSync(join(ROOT, page), 'utf8')).flatMap((target) => {
        const reason = brokenReason(page, target);
        return reason ? [`${page}: (${target}) ${reason}`] : [];
      }),
    );
    expect(broken).toEqual([]);
  });

  it(`keeps README.md a front door, under ${README_MAX_LINES} lines`, () => {
    const lines = readFileSync(join(ROOT, 'README.md'), 'utf8').trimEnd().split('\n').length;
    expect(lines).toBeLessThan(README_MAX_LINES);
  });

  it('gives the test command CI (.ci/run) runs', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const ci = readFileSync(join(ROOT, '.ci', 'run'), 'utf8');
    expect(readme).toContain('npm ci && npm test');
    expect(ci).toMatch(/^npm ci\b/m);
    expect(ci).toMatch(/^npm test$/m);
  });
});
