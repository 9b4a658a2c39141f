import type { ResolvedTask } from '../../zou/selection-resolver';
import { shellJoin } from '../../farms/shell-words';
import { shellSplit } from '../../../test/support/posix-shell';
import { RenderSpecBuilder } from './render-spec';
import { loadRenderConfig } from './render.config';

const request = {
  personId: 'person-1',
} as unknown as Parameters<RenderSpecBuilder['build']>[1];
const person = { name: 'Ada Lovelace', login: 'ada' };

/** One shot task as the selection resolver gives it, with the names a test chooses. */
function shotTask(names: { project?: string; sequence?: string; shot?: string } = {}) {
  return {
    task: { id: 'task-1', name: 'main' },
    entity: {
      id: 'shot-1',
      name: names.shot ?? 'SH010',
      data: { frame_in: 1001, frame_out: 1010 },
    },
    entityType: 'Shot',
    sequence: { id: 'seq-1', name: names.sequence ?? 'SQ01' },
    episode: null,
    project: { id: 'project-1', name: names.project ?? 'Forest Tales', fps: '24' },
    taskType: { id: 'tt-1', name: 'Lighting' },
  } as unknown as ResolvedTask;
}

const builder = (env: Record<string, string> = {}) => new RenderSpecBuilder(loadRenderConfig(env));

describe('RenderSpecBuilder with names from Kitsu', () => {
  it('refuses the attack from issue 16 with a reason naming each bad name', () => {
    const reason = builder().build(
      shotTask({ shot: 'x"; id > pwned; echo "', sequence: '../../../..' }),
      request,
      person,
    );
    expect(typeof reason).toBe('string');
    expect(reason).toContain('the sequence name "../../../.." contains a path separator');
    expect(reason).toContain('the shot name "x\\"; id > pwned; echo \\"" contains a quote');
    expect(reason).toMatch(/^refused: .*rename in Kitsu\)$/);
  });

  it('makes the command an argument list: an odd but allowed name stays one argument', () => {
    const shot = 'sh 010 $(touch pwned);|&*';
    const spec = builder().build(shotTask({ shot }), request, person);
    if (typeof spec === 'string') throw new Error(spec);
    const scene = `/prod/Forest Tales/shots/SQ01/${shot}/Lighting/${shot}.blend`;
    const output = `/render/Forest Tales/SQ01/${shot}/Lighting/${shot}.####`;
    expect(spec.scenePath).toBe(scene);
    const args = ['blender', '-b', scene, '-o', output, '-s', '@#@', '-e', '@#@', '-a'];
    expect(spec.commandArgs).toEqual(args);
    expect(shellSplit(shellJoin(spec.commandArgs!))).toEqual({ args, createdFiles: [] });
  });

  it('fills each field once: a name that looks like a {field} stays as written', () => {
    const spec = builder({ RENDER_COMMAND_TEMPLATE: 'render {shot} {scene} @#@' }).build(
      shotTask({ shot: '{login}' }),
      request,
      person,
    );
    if (typeof spec === 'string') throw new Error(spec);
    expect(spec.commandArgs).toEqual([
      'render',
      '{login}',
      '/prod/Forest Tales/shots/SQ01/{login}/Lighting/{login}.blend',
      '@#@',
    ]);
  });

  it('refuses a path that leaves its template root', () => {
    const reason = builder({
      RENDER_SCENE_TEMPLATE: '/prod/{project}/../../etc/{shot}.blend',
    }).build(shotTask(), request, person);
    expect(reason).toBe(
      'refused: the scene path /prod/Forest Tales/../../etc/SH010.blend leaves /prod/ (RENDER_SCENE_TEMPLATE)',
    );
  });

  it('refuses control characters even in names used only in the job name', () => {
    const reason = builder({
      RENDER_SCENE_TEMPLATE: '/prod/{shot}.blend',
      RENDER_OUTPUT_TEMPLATE: '/render/{shot}.####',
    }).build(shotTask({ project: 'Forest\nPlugin=CommandLine' }), request, person);
    expect(reason).toContain(
      'the project name "Forest\\nPlugin=CommandLine" contains a control character',
    );
  });

  it('lets names with quotes through when they reach no path or command', () => {
    const spec = builder({
      RENDER_SCENE_TEMPLATE: '/prod/{shot}.blend',
      RENDER_OUTPUT_TEMPLATE: '/render/{shot}.####',
    }).build(shotTask({ project: 'Ada\'s "Forest"' }), request, person);
    if (typeof spec === 'string') throw new Error(spec);
    expect(spec.project).toBe('Ada\'s "Forest"');
  });
});

describe('RenderSpecBuilder without a frame range', () => {
  const withoutFrames = (entityType: string) =>
    ({
      ...shotTask(),
      entity: { id: 'e-1', name: 'chair', data: {} },
      entityType,
    }) as unknown as ResolvedTask;

  it('says where to set it: on the shot, or in an asset or edit its own data', () => {
    expect(builder().build(withoutFrames('Shot'), request, person)).toMatch(/on the shot\)$/);
    expect(builder().build(withoutFrames('Asset'), request, person)).toBe(
      "chair: no frame range (set data.frame_in/frame_out or nb_frames in the asset's data)",
    );
  });
});
