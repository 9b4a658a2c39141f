import type { ResolvedTask } from '../../zou/selection-resolver';
import { RenderSpecBuilder } from './render-spec';
import { loadRenderConfig } from './render.config';
import { renderOptionsDeclaration, renderRunOptions } from './render.options';

const request = { personId: 'person-1' } as unknown as Parameters<RenderSpecBuilder['build']>[1];
const person = { name: 'Ada', login: 'ada' };

function shotTask(id: string, range: { frame_in: number; frame_out: number } | null) {
  return {
    task: { id, name: 'main' },
    entity: { id: `shot-${id}`, name: `SH${id}`, data: range ?? {} },
    entityType: 'Shot',
    sequence: { id: 'seq-1', name: 'SQ01' },
    episode: null,
    project: { id: 'project-1', name: 'Forest', fps: '24' },
    taskType: { id: 'tt-1', name: 'Lighting' },
  } as unknown as ResolvedTask;
}

describe('render options', () => {
  const config = loadRenderConfig({
    RENDER_PRIORITY: '40',
    RENDER_FRAMES_PER_TASK: '8',
    RENDER_OUTPUT_TEMPLATE: '/render/{shot}/{frame_in}-{frame_out}/{shot}.####',
    RENDER_COMMAND_TEMPLATE: 'blender -b "{scene}" -s {frame_in} -e {frame_out} -a',
  });

  it('defaults to the configuration, and to the frame range the selected tasks share', async () => {
    const declaration = renderOptionsDeclaration(config);
    const shared = [
      shotTask('1', { frame_in: 1001, frame_out: 1100 }),
      shotTask('2', { frame_in: 1001, frame_out: 1100 }),
    ];
    const mixed = [...shared, shotTask('3', { frame_in: 1, frame_out: 50 })];
    const defaults = (tasks: ResolvedTask[]) =>
      declaration.defaults({ request, params: {}, tasks: () => Promise.resolve(tasks) });
    await expect(defaults(shared)).resolves.toEqual({
      frameRange: '1001-1100',
      priority: 40,
      framesPerTask: 8,
    });
    await expect(defaults(mixed)).resolves.toMatchObject({ frameRange: '' });
  });

  it('puts the chosen numbers in the farm job, paths and command included', () => {
    const options = renderRunOptions(
      { frameRange: '1010-1020', priority: 90, framesPerTask: 3 },
      config,
    );
    const spec = new RenderSpecBuilder(config).build(shotTask('1', null), request, person, options);
    if (typeof spec === 'string') throw new Error(spec);
    expect(spec).toMatchObject({ frameIn: 1010, frameOut: 1020, priority: 90, framesPerTask: 3 });
    expect(spec.outputPath).toBe('/render/SH1/1010-1020/SH1.####');
    expect(spec.commandArgs).toEqual([
      'blender',
      '-b',
      expect.any(String),
      '-s',
      '1010',
      '-e',
      '1020',
      '-a',
    ]);
  });

  it('runs jobs queued without options with the configuration, and refuses stored values that are not numbers', () => {
    expect(renderRunOptions(undefined, config)).toEqual({
      frameRange: null,
      priority: 40,
      framesPerTask: 8,
    });
    expect(() =>
      renderRunOptions({ frameRange: '1-2 -P evil.py', priority: 50, framesPerTask: 1 }, config),
    ).toThrow(/frameRange must be empty or first-last/);
    expect(() =>
      renderRunOptions({ frameRange: '', priority: '50 --python x', framesPerTask: 1 }, config),
    ).toThrow(/priority must be a whole number/);
  });
});
