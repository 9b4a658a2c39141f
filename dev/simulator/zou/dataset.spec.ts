import { generateDataset } from './dataset';

const NOW = new Date('2025-03-12T09:00:00Z'); // a Wednesday

describe('generateDataset', () => {
  it('is deterministic for a seed, and differs between seeds', () => {
    const a = generateDataset({ seed: 7, now: NOW });
    const b = generateDataset({ seed: 7, now: NOW });
    const c = generateDataset({ seed: 8, now: NOW });
    expect([...a.tasks.values()]).toEqual([...b.tasks.values()]);
    expect([...a.persons.keys()]).toEqual([...b.persons.keys()]);
    expect([...a.tasks.keys()]).not.toEqual([...c.tasks.keys()]);
  });

  it('builds a TV show (episodes > sequences > shots) and a film (sequences > shots)', () => {
    const data = generateDataset({ seed: 1, now: NOW });
    const tv = data.projects.get(data.projectIds.tvShow)!;
    const film = data.projects.get(data.projectIds.film)!;
    expect([tv.production_type, film.production_type]).toEqual(['tvshow', 'featurefilm']);
    const entities = [...data.entities.values()];
    const tvShots = entities.filter((e) => e.project_id === tv.id && e.type === 'Shot');
    expect(tvShots).toHaveLength(2 * 2 * 4);
    for (const shot of tvShots) {
      const sequence = data.entities.get(shot.parent_id!)!;
      expect(sequence.type).toBe('Sequence');
      expect(data.entities.get(sequence.parent_id!)!.type).toBe('Episode');
    }
    for (const shot of entities.filter((e) => e.project_id === film.id && e.type === 'Shot')) {
      const sequence = data.entities.get(shot.parent_id!)!;
      expect([sequence.type, sequence.parent_id]).toEqual(['Sequence', null]);
    }
    const assetKinds = new Set(
      entities
        .filter((e) => e.type === 'Asset')
        .map((e) => data.entityTypes.get(e.entity_type_id)!.name),
    );
    expect(assetKinds).toEqual(new Set(['Character', 'Prop', 'Set']));
  });

  it('gives shots frame ranges, some only nb_frames and a few neither', () => {
    const data = generateDataset({ seed: 3, size: 'medium', now: NOW });
    const shots = [...data.entities.values()].filter((e) => e.type === 'Shot');
    const full = shots.filter((s) => s.data?.frame_in !== undefined && s.nb_frames !== null);
    const framesOnly = shots.filter((s) => s.nb_frames !== null && s.data?.frame_in === undefined);
    const neither = shots.filter((s) => s.nb_frames === null && s.data?.frame_in === undefined);
    expect(full.length).toBeGreaterThan(shots.length / 2);
    expect(framesOnly.length).toBeGreaterThan(0);
    expect(neither.length).toBeGreaterThan(0);
    for (const shot of full) {
      expect(Number(shot.data!.frame_out) - Number(shot.data!.frame_in) + 1).toBe(shot.nb_frames);
      expect([24, 25]).toContain(shot.data!.fps);
    }
  });

  it('has task types per entity kind, the five statuses with their flags, and varied tasks', () => {
    const data = generateDataset({ seed: 5, size: 'medium', now: NOW });
    const forEntity = (kind: string) =>
      [...data.taskTypes.values()].filter((t) => t.for_entity === kind).map((t) => t.name);
    expect(forEntity('Shot')).toEqual(['Layout', 'Animation', 'Lighting', 'Compositing']);
    expect(forEntity('Asset')).toEqual(['Modeling', 'Rigging', 'Shading']);
    const statuses = Object.fromEntries(
      [...data.taskStatuses.values()].map((s) => [s.short_name, s]),
    );
    expect(Object.keys(statuses)).toEqual(['todo', 'wip', 'wfa', 'retake', 'done']);
    expect(statuses.done.is_done && statuses.retake.is_retake && statuses.wip.is_wip).toBe(true);
    expect(statuses.wfa.is_feedback_request).toBe(true);

    const tasks = [...data.tasks.values()];
    const today = '2025-03-12';
    const weekEnd = '2025-03-19';
    expect(tasks.some((t) => t.due_date !== null && t.due_date < today)).toBe(true);
    expect(
      tasks.some((t) => t.due_date !== null && t.due_date >= today && t.due_date < weekEnd),
    ).toBe(true);
    expect(tasks.some((t) => t.retake_count > 0)).toBe(true);
    expect(tasks.some((t) => t.last_preview_file_id === null)).toBe(true);
    expect(tasks.some((t) => t.assignees.length === 0)).toBe(true);
    expect(tasks.some((t) => t.assignees.length === 2)).toBe(true);
    for (const task of tasks.filter((t) => t.last_preview_file_id)) {
      expect(data.previewFiles.get(task.last_preview_file_id!)!.task_id).toBe(task.id);
    }
    expect(tasks.every((t) => t.estimation > 0 && t.estimation % 60 === 0)).toBe(true);
  });

  it('has every role, a manager bot in the teams, and one outsider in no team', () => {
    const data = generateDataset({ seed: 2, now: NOW });
    const roles = new Set([...data.persons.values()].map((p) => p.role));
    expect(roles).toEqual(new Set(['admin', 'manager', 'supervisor', 'user', 'client', 'vendor']));
    expect(data.people.bot).toMatchObject({ is_bot: true, role: 'manager' });
    const teams = [...data.projects.values()].flatMap((p) => p.team);
    expect(teams).toContain(data.people.bot.id);
    expect(teams).not.toContain(data.people.outsider.id);
    const inNoTeam = [...data.persons.values()].filter(
      (p) => p.role !== 'admin' && !teams.includes(p.id),
    );
    expect(inNoTeam).toEqual([data.people.outsider]);
  });

  // Generation speed is a benchmark concern (npm run bench), not a test assertion.
  it('puts 20,000 tasks in one project at the large size', () => {
    const data = generateDataset({ seed: 42, size: 'large', now: NOW });
    const tvTasks = [...data.tasks.values()].filter((t) => t.project_id === data.projectIds.tvShow);
    expect(tvTasks.length).toBeGreaterThanOrEqual(20000);
  });

  it('accepts custom counts', () => {
    const data = generateDataset({
      seed: 1,
      size: { episodes: 1, sequencesPerEpisode: 1, shotsPerSequence: 3 },
    });
    const tvShots = [...data.entities.values()].filter(
      (e) => e.project_id === data.projectIds.tvShow && e.type === 'Shot',
    );
    expect(tvShots).toHaveLength(3);
  });
});
