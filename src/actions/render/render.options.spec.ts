import type { ResolvedTask } from '../../zou/selection-resolver';
import { RenderSpecBuilder } from './render-spec';
import { loadRenderConfig } from './render.config';
import type { FarmAdapter } from '../../farms';
import { checkOptions, listLiveChoices, optionFieldsOf } from '../option-fields';
import { RenderOptions, renderOptionsDeclaration, renderRunOptions } from './render.options';

/** A farm with Deadline's two kinds of place; `down` makes its listings fail. */
function poolFarm(down = false): FarmAdapter {
  return {
    kind: 'deadline',
    label: 'Deadline',
    placementKinds: [
      { key: 'pool', label: 'Pool' },
      { key: 'group', label: 'Group' },
    ],
    listPlacements: (kind: string) =>
      down
        ? Promise.reject(new Error('deadline pools failed: connection refused'))
        : Promise.resolve(
            (kind === 'pool' ? ['none', 'lighting'] : ['gpu']).map((n) => ({ value: n, label: n })),
          ),
  } as unknown as FarmAdapter;
}

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

  it('asks nothing about pools on a farm without any (the dry run): one step, three fields', async () => {
    const dryRun = { kind: 'dry-run', label: 'Dry run' } as unknown as FarmAdapter;
    const declaration = renderOptionsDeclaration(config, dryRun);
    const fields = optionFieldsOf(declaration.schema);
    expect(fields.map((f) => f.name)).toEqual(['frameRange', 'priority', 'framesPerTask']);
    expect(fields.every((f) => (f.step ?? 1) === 1)).toBe(true);
    expect(declaration.liveChoices).toBeUndefined();
    const tasks = [shotTask('1', { frame_in: 1, frame_out: 10 })];
    await expect(
      declaration.defaults({ request, params: {}, tasks: () => Promise.resolve(tasks) }),
    ).resolves.toEqual({ frameRange: '1-10', priority: 40, framesPerTask: 8 });
    // A farm with places inherits the same three first, then asks where.
    const pooled = optionFieldsOf(renderOptionsDeclaration(config, poolFarm()).schema);
    expect(pooled.map((f) => f.name)).toEqual([...fields.map((f) => f.name), 'poolType', 'pool']);
  });

  it('defaults to the configuration, and to the frame range the selected tasks share', async () => {
    const declaration = renderOptionsDeclaration(config, poolFarm());
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
      poolType: '',
      pool: '',
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
      placement: null,
    });
    expect(() =>
      renderRunOptions({ frameRange: '1-2 -P evil.py', priority: 50, framesPerTask: 1 }, config),
    ).toThrow(/frameRange must be empty or first-last/);
    expect(() =>
      renderRunOptions({ frameRange: '', priority: '50 --python x', framesPerTask: 1 }, config),
    ).toThrow(/priority must be a whole number/);
  });
});

describe('render pool options, listed live from the farm', () => {
  const config = loadRenderConfig({});
  const selection = { request, params: {}, tasks: () => Promise.resolve([]) };
  const check = async (given: Record<string, unknown>, farm = poolFarm()) => {
    const declaration = renderOptionsDeclaration(config, farm);
    const first = checkOptions(RenderOptions, given, {}, 'json');
    const live = await listLiveChoices(declaration, { selection, values: first.values });
    return checkOptions(RenderOptions, given, {}, 'json', live);
  };
  const base = { frameRange: '', priority: 50, framesPerTask: 1 };

  it('lists the kinds of place, then the places of the chosen kind', async () => {
    const declaration = renderOptionsDeclaration(config, poolFarm());
    const lists = await listLiveChoices(declaration, {
      selection,
      values: { poolType: 'group' },
    });
    expect(lists.poolType.choices.map((c) => c.value)).toEqual(['pool', 'group']);
    expect(lists.pool.choices).toEqual([{ value: 'gpu', label: 'gpu' }]);
  });

  it('takes a listed pool, refuses one the farm does not list, naming the field', async () => {
    expect((await check({ ...base, poolType: 'pool', pool: 'lighting' })).problems).toEqual([]);
    expect((await check({ ...base, poolType: 'pool', pool: 'gpu' })).problems).toEqual([
      { field: 'pool', reason: 'must be one of the choices listed now (none, lighting)' },
    ]);
    expect((await check({ ...base, poolType: 'queue', pool: '' })).problems).toEqual([
      { field: 'poolType', reason: 'must be one of the choices listed now (Pool, Group)' },
    ]);
  });

  it('explains a farm that does not answer; only the farm default passes then', async () => {
    const declaration = renderOptionsDeclaration(config, poolFarm(true));
    const lists = await listLiveChoices(declaration, { selection, values: { poolType: 'pool' } });
    expect(lists.pool).toEqual({
      choices: [],
      unavailable: expect.stringContaining('Deadline did not answer (deadline pools failed'),
    });
    expect((await check({ ...base, poolType: 'pool', pool: '' }, poolFarm(true))).problems).toEqual(
      [],
    );
    const refused = await check({ ...base, poolType: 'pool', pool: 'lighting' }, poolFarm(true));
    expect(refused.problems[0]).toMatchObject({
      field: 'pool',
      reason: expect.stringMatching(/^cannot be checked now: Deadline did not answer/),
    });
  });

  it('hands the chosen place to the farm job', () => {
    const options = renderRunOptions({ ...base, poolType: 'pool', pool: 'lighting' }, config);
    expect(options.placement).toEqual({ kind: 'pool', value: 'lighting' });
    expect(renderRunOptions(base, config).placement).toBeNull();
    expect(() => renderRunOptions({ ...base, pool: 'lighting' }, config)).toThrow(
      /pool needs poolType/,
    );
  });
});
