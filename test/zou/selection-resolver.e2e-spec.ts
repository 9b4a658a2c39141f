import { randomUUID } from 'node:crypto';
import { Test } from '@nestjs/testing';
import { ConfigModule } from '../../src/config/config.module';
import { ConfigError } from '../../src/config/validate-env';
import { startZouSimulator, type ZouSimulator } from '../../dev/simulator/zou/server';
import { SelectionResolver } from '../../src/zou/selection-resolver';
import { IDS_PER_CALL, ZouClient } from '../../src/zou/zou.client';
import { loadZouConfig, ZouConfig } from '../../src/zou/zou.config';
import { ZouModule } from '../../src/zou/zou.module';

describe('SelectionResolver (through ZouModule)', () => {
  let sim: ZouSimulator;
  let resolver: SelectionResolver;
  let zou: ZouClient;
  let close: () => Promise<void>;

  beforeAll(async () => {
    sim = await startZouSimulator({ seed: 31, size: 'large' });
    const moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot({ ZOU_URL: sim.url, ZOU_TOKEN: sim.tokens.bot }), ZouModule],
    }).compile();
    resolver = moduleRef.get(SelectionResolver);
    zou = moduleRef.get(ZouClient);
    close = () => moduleRef.close();
  });

  afterAll(async () => {
    await close();
    await sim.close();
  });

  beforeEach(() => {
    sim.resetLog();
    zou.clearCaches();
  });

  it('provides one client and its config from the environment', () => {
    expect(zou.config).toBeInstanceOf(ZouConfig);
    expect(zou.config.baseUrl).toBe(sim.url);
  });

  it('resolves 1,000 tasks of one project in a handful of calls', async () => {
    const project = sim.data.projectIds.tvShow;
    const ids = [...sim.data.tasks.values()]
      .filter((task) => task.project_id === project)
      .slice(0, 1000)
      .map((task) => task.id);
    const { tasks, missing } = await resolver.resolve(ids, { projectId: project });
    expect(missing).toEqual([]);
    expect(tasks.map((resolved) => resolved.task.id)).toEqual(ids);

    const byRoute = new Map<string, number>();
    for (const entry of sim.log)
      byRoute.set(entry.route ?? '?', (byRoute.get(entry.route ?? '?') ?? 0) + 1);
    expect(byRoute.get('GET /data/tasks')).toBe(Math.ceil(1000 / IDS_PER_CALL));
    const entityIds = new Set(tasks.map((resolved) => resolved.entity.id));
    // Entities, then sequences, then episodes: one read per 80 ids at each level.
    expect(byRoute.get('GET /data/entities')).toBeLessThanOrEqual(
      Math.ceil(entityIds.size / IDS_PER_CALL) + 2,
    );
    expect(byRoute.get('GET /data/projects/:id')).toBe(1);
    expect(byRoute.get('GET /data/task-types')).toBe(1);
    expect(byRoute.get('GET /data/task-status')).toBe(1);
    expect(byRoute.get('GET /data/persons')).toBe(1);
    expect(sim.log.length).toBeLessThanOrEqual(30);
    expect(sim.log.every((entry) => entry.status === 200)).toBe(true);
  });

  it('joins everything an action needs, for every kind of entity', async () => {
    const { tvShow, film } = sim.data.projectIds;
    const pick = (projectId: string, type: string) =>
      [...sim.data.tasks.values()].find(
        (task) =>
          task.project_id === projectId && sim.data.entities.get(task.entity_id)!.type === type,
      )!;
    const tvShotTask = pick(tvShow, 'Shot');
    const filmShotTask = pick(film, 'Shot');
    const assetTask = pick(tvShow, 'Asset');
    const sequenceTask = pick(tvShow, 'Sequence');
    const editTask = pick(tvShow, 'Edit');
    const unknown = randomUUID();
    const selection = [
      filmShotTask.id,
      unknown,
      tvShotTask.id,
      assetTask.id,
      sequenceTask.id,
      editTask.id,
      'x',
    ];

    const { tasks, missing } = await resolver.resolve(selection);
    expect(missing).toEqual([unknown, 'x']);
    expect(tasks.map((resolved) => resolved.task.id)).toEqual([
      filmShotTask.id,
      tvShotTask.id,
      assetTask.id,
      sequenceTask.id,
      editTask.id,
    ]);
    const [filmShot, tvShot, asset, sequence, edit] = tasks;

    const shot = sim.data.entities.get(tvShotTask.entity_id)!;
    const shotSequence = sim.data.entities.get(shot.parent_id!)!;
    expect(tvShot).toMatchObject({
      entityType: 'Shot',
      entity: { id: shot.id, nb_frames: shot.nb_frames },
      sequence: { id: shotSequence.id },
      episode: { id: shotSequence.parent_id },
      project: { id: tvShow, production_type: 'tvshow' },
      taskType: { id: tvShotTask.task_type_id, for_entity: 'Shot' },
      taskStatus: { id: tvShotTask.task_status_id },
    });
    expect(tvShot.assignees.map((person) => person.id)).toEqual(tvShotTask.assignees);
    expect(filmShot).toMatchObject({ entityType: 'Shot', episode: null, project: { id: film } });
    expect(filmShot.sequence?.type).toBe('Sequence');
    expect(asset).toMatchObject({ entityType: 'Asset', sequence: null, episode: null });
    expect(sequence).toMatchObject({
      entityType: 'Sequence',
      sequence: { id: sequenceTask.entity_id },
    });
    expect(sequence.episode?.type).toBe('Episode');
    expect(edit.entityType).toBe('Edit');
    // Two projects: one project read each.
    expect(sim.calls('GET /data/projects/:id')).toHaveLength(2);
  });

  it('treats tasks the service account cannot see as missing', async () => {
    const outsiderClient = new SelectionResolver(
      new ZouClient(loadZouConfig({ ZOU_URL: sim.url, ZOU_TOKEN: sim.tokens.outsider })),
    );
    const ids = [...sim.data.tasks.keys()].slice(0, 3);
    expect(await outsiderClient.resolve(ids)).toEqual({ tasks: [], missing: ids });
  });

  it('fails start-up with the variable name when the Zou settings are wrong', async () => {
    await expect(
      Test.createTestingModule({
        imports: [ConfigModule.forRoot({ ZOU_URL: 'http://127.0.0.1:1/api' }), ZouModule],
      }).compile(),
    ).rejects.toThrow(ConfigError);
    await expect(
      Test.createTestingModule({
        imports: [ConfigModule.forRoot({ ZOU_URL: 'http://127.0.0.1:1/api' }), ZouModule],
      }).compile(),
    ).rejects.toThrow(/ZOU_TOKEN/);
  });
});
