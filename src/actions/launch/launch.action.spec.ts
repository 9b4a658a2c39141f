import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, validateEnv } from '../../config/validate-env';
import type { ResolvedTask } from '../../zou/selection-resolver';
import { buildLaunchUrls } from './launch.action';
import { LaunchConfig, type Launcher } from './launch.config';

const EXAMPLES = readFileSync(join(__dirname, '../../../config/launchers.example.json'), 'utf8');

function launchers(env: Record<string, string>): Map<string, Launcher> {
  const config = validateEnv(LaunchConfig, env);
  return new Map(config.launchers.map((l) => [l.name, l]));
}

/** A shot task whose every name has spaces, quotes and non-ASCII letters. */
function shotTask(n: number, preview: string | null): ResolvedTask {
  const project = { id: 'p1', name: `L'été "Film" ${n}` } as ResolvedTask['project'];
  return {
    task: { id: `t${n}`, name: 'main', last_preview_file_id: preview },
    entity: { id: `s${n}`, name: `SH 0${n} «ça»`, data: { frame_in: 101, frame_out: 148 } },
    entityType: 'Shot',
    sequence: { id: 'q1', name: 'SQ 01/../etc' },
    episode: null,
    project,
    taskType: { id: 'tt1', name: 'Animação & Layout' },
    taskStatus: { id: 'st', short_name: 'wip' },
    assignees: [],
  } as unknown as ResolvedTask;
}

describe('launch templates', () => {
  const shipped = launchers({ LAUNCHERS: EXAMPLES });
  const base = 'https://kitsu.test';

  it('ships the four example launchers', () => {
    expect([...shipped.keys()]).toEqual(['rv', 'blender', 'kabaret', 'wiki']);
  });

  it('rv: one rvlink with the preview movies of the selected shots, in order', () => {
    const urls = buildLaunchUrls(
      shipped.get('rv')!,
      [shotTask(2, 'pv2'), shotTask(1, null), shotTask(3, 'pv3')],
      base,
      'a@b.c',
    );
    const movie = (id: string) =>
      encodeURIComponent(`${base}/api/movies/originals/preview-files/${id}.mp4`);
    expect(urls).toEqual([`rvlink:// -l -play ${movie('pv2')}%20${movie('pv3')}`]);
  });

  it('blender: the working file path, names neutralised then URL-encoded', () => {
    const [url] = buildLaunchUrls(shipped.get('blender')!, [shotTask(1, null)], base, 'a@b.c');
    expect(url.startsWith('blender://open?file=')).toBe(true);
    const file = decodeURIComponent(url.slice('blender://open?file='.length));
    expect(file).toBe(
      `/prod/L'été "Film" 1/SQ 01___etc/SH 01 «ça»/Animação & Layout/SH 01 «ça»_Animação & Layout.blend`,
    );
    // The & of the task type name stays inside the value.
    expect(new URL(url).searchParams.get('file')).toBe(file);
  });

  it('kabaret: each context value is one query parameter whatever it contains', () => {
    const [url] = buildLaunchUrls(shipped.get('kabaret')!, [shotTask(1, null)], base, 'a@b.c');
    const params = new URL(url).searchParams;
    expect(Object.fromEntries(params)).toEqual({
      project: `L'été "Film" 1`,
      shot: 'SH 01 «ça»',
      asset: '',
      task: 'Animação & Layout',
    });
  });

  it('wiki: one https URL per task, path segments encoded', () => {
    const urls = buildLaunchUrls(
      shipped.get('wiki')!,
      [shotTask(1, null), shotTask(2, null)],
      base,
      'a@b.c',
    );
    expect(urls).toHaveLength(2);
    const url = new URL(urls[0]);
    expect(url.protocol).toBe('https:');
    expect(url.pathname.split('/').map(decodeURIComponent)).toEqual([
      '',
      `L'été "Film" 1`,
      'shot',
      'SH 01 «ça»',
    ]);
    expect(url.searchParams.get('task')).toBe('t1');
  });
});

describe('launch config checks at start-up', () => {
  const one =
    (url: string, extra: Record<string, string> = {}) =>
    () =>
      validateEnv(LaunchConfig, { LAUNCHERS: JSON.stringify([{ name: 'x', url }]), ...extra });

  it('refuses a scheme outside LAUNCH_SCHEMES', () => {
    expect(one('javascript:alert({task})')).toThrow(
      /scheme "javascript:" is not in LAUNCH_SCHEMES/,
    );
    expect(one('file:///{working_file}')).toThrow(/LAUNCHERS: launcher "x": scheme "file:"/);
    expect(one('https://a/{task}', { LAUNCH_SCHEMES: 'rvlink' })).toThrow(ConfigError);
  });

  it('accepts a scheme the studio lists', () => {
    expect(one('file:///{task}', { LAUNCH_SCHEMES: 'file,https' })().launchers).toHaveLength(1);
  });

  it('refuses an unknown field and a scheme made of a field', () => {
    expect(one('https://a/{shots}')).toThrow(/unknown field \{shots\}/);
    expect(one('{project}://x')).toThrow(/literal scheme/);
  });

  it('refuses bad JSON naming the variable', () => {
    expect(() => validateEnv(LaunchConfig, { LAUNCHERS: '[{' })).toThrow(/LAUNCHERS: not readable/);
  });
});
