import type {
  ZouCountBucket,
  ZouEpisodeStats,
  ZouRetakeEntry,
  ZouRetakeStats,
  ZouTask,
} from '../../../src/zou/zou.types';
import type { SimulatorDataset } from './dataset';

/**
 * Zou's statistics, computed the way its SQL does (stats_service.py, tasks_service.py): only
 * tasks whose entity has a sequence whose parent is an episode count in the episode stats.
 */
interface EpisodeRow {
  task: ZouTask;
  episodeId: string;
  nbFrames: number;
}

function episodeRows(store: SimulatorDataset, projectId: string): EpisodeRow[] {
  const rows: EpisodeRow[] = [];
  for (const task of store.tasks.values()) {
    if (task.project_id !== projectId) continue;
    const entity = store.entities.get(task.entity_id);
    const sequence = entity?.parent_id ? store.entities.get(entity.parent_id) : undefined;
    const episode = sequence?.parent_id ? store.entities.get(sequence.parent_id) : undefined;
    if (!entity || !episode) continue;
    rows.push({ task, episodeId: episode.id, nbFrames: entity.nb_frames ?? 0 });
  }
  return rows;
}

export function episodeStats(store: SimulatorDataset, projectId: string): ZouEpisodeStats {
  const results: ZouEpisodeStats = {};
  const bucket = (episode: string, taskType: string, statusId: string) => {
    const status = store.taskStatuses.get(statusId);
    results[episode] ??= {};
    results[episode][taskType] ??= {};
    return (results[episode][taskType][statusId] ??= {
      name: status?.short_name ?? '',
      color: status?.color ?? '',
      count: 0,
      frames: 0,
      drawings: 0,
    });
  };
  for (const { task, episodeId, nbFrames } of episodeRows(store, projectId)) {
    for (const [episode, taskType] of [
      [episodeId, task.task_type_id],
      [episodeId, 'all'],
      ['all', task.task_type_id],
      ['all', 'all'],
    ]) {
      const entry = bucket(episode, taskType, task.task_status_id);
      entry.count += 1;
      entry.frames += nbFrames;
      entry.drawings += task.nb_drawings ?? 0;
    }
  }
  return results;
}

const emptyBucket = (): ZouCountBucket => ({ count: 0, frames: 0, drawings: 0 });
const emptyRetakeEntry = (): ZouRetakeEntry => ({
  max_retake_count: 0,
  evolution: {},
  done: emptyBucket(),
  retake: emptyBucket(),
  other: emptyBucket(),
});

function add(bucket: ZouCountBucket, frames: number, drawings: number): void {
  bucket.count += 1;
  bucket.frames += frames;
  bucket.drawings += drawings;
}

export function retakeStats(store: SimulatorDataset, projectId: string): ZouRetakeStats {
  const results: ZouRetakeStats = { all: { all: emptyRetakeEntry() } };
  const rows = episodeRows(store, projectId).map(({ task, episodeId, nbFrames }) => {
    const status = store.taskStatuses.get(task.task_status_id);
    return {
      episodeId,
      taskTypeId: task.task_type_id,
      retakeCount: task.retake_count ?? 0,
      isDone: status?.is_done ?? false,
      isRetake: status?.is_retake ?? false,
      frames: nbFrames,
      drawings: task.nb_drawings ?? 0,
    };
  });
  for (const row of rows) {
    results[row.episodeId] ??= { all: emptyRetakeEntry() };
    results.all[row.taskTypeId] ??= emptyRetakeEntry();
    results[row.episodeId][row.taskTypeId] ??= emptyRetakeEntry();
    for (const [a, b] of [
      ['all', 'all'],
      ['all', row.taskTypeId],
      [row.episodeId, 'all'],
      [row.episodeId, row.taskTypeId],
    ]) {
      const entry = results[a][b];
      entry.max_retake_count = Math.max(entry.max_retake_count, row.retakeCount);
      add(entry[row.isDone ? 'done' : row.isRetake ? 'retake' : 'other'], row.frames, row.drawings);
    }
  }
  // Evolution needs every entry's maximum first, as in Zou's second loop.
  for (const row of rows) {
    for (const [a, b] of [
      [row.episodeId, 'all'],
      [row.episodeId, row.taskTypeId],
    ]) {
      const entry = results[a][b];
      for (let take = 1; take <= entry.max_retake_count; take++) {
        const evolution = (entry.evolution[String(take)] ??= {
          done: emptyBucket(),
          retake: emptyBucket(),
          other: emptyBucket(),
        });
        const key =
          row.retakeCount > 0 && take <= row.retakeCount ? 'retake' : row.isDone ? 'done' : 'other';
        add(evolution[key], row.frames, row.drawings);
      }
    }
  }
  return results;
}
