import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, validateEnv } from '../../config/validate-env';
import type { ResolvedTask } from '../../zou/selection-resolver';
import { buildLaunchLinks, buildLaunchUrls, previewFileUrl } from './launch.action';
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

  it("rv: one baked rvlink (hex command line) with the selected shots' previews, in order, each by its kind", () => {
    const urls = buildLaunchUrls(
      shipped.get('rv')!,
      [shotTask(2, 'pv2'), shotTask(1, null), shotTask(3, 'pv3'), shotTask(4, 'pv4')],
      base,
      'a@b.c',
      new Map([
        ['pv2', 'mp4'],
        ['pv3', 'png'],
        ['pv4', 'pdf'],
      ]),
    );
    expect(urls).toHaveLength(1);
    // A URL browsers hand to the rvlink handler: no space, nothing but hex after baked/.
    expect(urls[0]).toMatch(/^rvlink:\/\/baked\/[0-9a-f]+$/);
    const commandLine = Buffer.from(urls[0].slice('rvlink://baked/'.length), 'hex').toString();
    expect(commandLine).toBe(
      ' -l -play' +
        ` ${base}/api/movies/originals/preview-files/pv2.mp4` +
        ` ${base}/api/pictures/originals/preview-files/pv3.png` +
        ` ${base}/api/pictures/originals/preview-files/pv4/download`,
    );
    // RV's own example (RV user manual, chapter C) encodes the same way.
    const example = buildLaunchUrls(
      launchers({
        LAUNCHERS: JSON.stringify([
          { name: 'x', label: 'x', url: 'rvlink://baked/ -l -play /path/to/my/movie.mov' },
        ]),
      }).get('x')!,
      [shotTask(1, null)],
      base,
      'a@b.c',
    );
    expect(example).toEqual([
      'rvlink://baked/202d6c202d706c6179202f706174682f746f2f6d792f6d6f7669652e6d6f76',
    ]);
  });

  it('preview_url follows the preview kind as Kitsu links it (movie, picture, other file)', () => {
    expect(previewFileUrl(base, 'a', 'mp4')).toBe(
      `${base}/api/movies/originals/preview-files/a.mp4`,
    );
    expect(previewFileUrl(base, 'b', 'PNG')).toBe(
      `${base}/api/pictures/originals/preview-files/b.png`,
    );
    expect(previewFileUrl(base, 'c', 'jpg')).toBe(
      `${base}/api/pictures/originals/preview-files/c.jpg`,
    );
    expect(previewFileUrl(base, 'd', 'pdf')).toBe(
      `${base}/api/pictures/originals/preview-files/d/download`,
    );
    expect(previewFileUrl(base, 'e')).toBe(`${base}/api/movies/originals/preview-files/e.mp4`);
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
      episode: '',
      sequence: 'SQ 01/../etc',
      shot: 'SH 01 «ça»',
      asset: '',
      task: 'Animação & Layout',
    });
  });

  it('kabaret: shots of the same name in different sequences keep a link each', () => {
    const inSequence = (name: string): ResolvedTask => {
      const task = shotTask(1, null);
      return { ...task, sequence: { ...task.sequence!, id: name, name } };
    };
    const urls = buildLaunchUrls(
      shipped.get('kabaret')!,
      [inSequence('SQ010'), inSequence('SQ020')],
      base,
      'a@b.c',
    );
    expect(urls.map((url) => new URL(url).searchParams.get('sequence'))).toEqual([
      'SQ010',
      'SQ020',
    ]);
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

describe('launch links: what each URL opens', () => {
  const shipped = launchers({ LAUNCHERS: EXAMPLES });
  const base = 'https://kitsu.test';

  it('labels a per-task URL with its task, and a whole-selection URL with the count', () => {
    const tasks = [shotTask(1, 'pv1'), shotTask(2, 'pv2')];
    const perTask = buildLaunchLinks(shipped.get('wiki')!, tasks, base, 'a@b.c');
    expect(perTask.map((link) => [link.label, link.taskIds])).toEqual([
      ['SQ 01/../etc / SH 01 «ça» · Animação & Layout', ['t1']],
      ['SQ 01/../etc / SH 02 «ça» · Animação & Layout', ['t2']],
    ]);
    const [whole, ...none] = buildLaunchLinks(shipped.get('rv')!, tasks, base, 'a@b.c');
    expect(none).toEqual([]);
    expect(whole).toMatchObject({ label: '2 tasks', taskIds: ['t1', 't2'] });
  });

  it('tasks giving the same URL share one link, named once', () => {
    const launcher = launchers({
      LAUNCHERS: JSON.stringify([{ name: 'shot', url: 'https://tool.test/{shot}' }]),
    }).get('shot')!;
    const twin = { ...shotTask(1, null), task: { id: 't9' } } as unknown as ResolvedTask;
    const links = buildLaunchLinks(launcher, [shotTask(1, null), twin], base, 'a@b.c');
    expect(links).toHaveLength(1);
    expect(links[0].taskIds).toEqual(['t1', 't9']);
    expect(links[0].label).toBe('SQ 01/../etc / SH 01 «ça» · Animação & Layout');
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
