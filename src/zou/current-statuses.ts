import type { ZouClient } from './zou.client';

/** How many task ids one bulk read carries (the client's list-filter chunk). */
const WINDOW = 80;

/**
 * A comment must carry the task's status (Zou: "pass the current status id to keep it"). Reading
 * it per task doubles the calls of an action that comments on every task; reading it once at the
 * start could revert a status an artist changed while a long job ran. This reads the statuses of
 * the next tasks to comment on in one bulk call, just before they are needed, and hands each one
 * out once: the status a comment keeps is at most one window of comments old.
 */
export class CurrentStatuses {
  private readonly fresh = new Map<string, string>();
  /** Task id -> the window read that will bring its status (concurrent callers share it). */
  private readonly reading = new Map<string, Promise<void>>();

  /** `order`: the task ids in the order they will be commented on. */
  constructor(
    private readonly zou: Pick<ZouClient, 'getTasksByIds'>,
    private readonly order: string[],
    private readonly window = WINDOW,
  ) {}

  /** The task's current status id, or undefined when Zou no longer has the task. */
  async of(taskId: string): Promise<string | undefined> {
    if (!this.fresh.has(taskId)) await (this.reading.get(taskId) ?? this.readFrom(taskId));
    const status = this.fresh.get(taskId);
    this.fresh.delete(taskId);
    return status;
  }

  private readFrom(taskId: string): Promise<void> {
    const start = this.order.indexOf(taskId);
    // Not the ids already being read by another caller's window.
    const ids = (start < 0 ? [taskId] : this.order.slice(start, start + this.window)).filter(
      (id) => id === taskId || !this.reading.has(id),
    );
    const read = this.zou.getTasksByIds(ids).then(({ tasks }) => {
      for (const task of tasks) this.fresh.set(task.id, task.task_status_id);
    });
    const settled = read.finally(() => {
      for (const id of ids) if (this.reading.get(id) === settled) this.reading.delete(id);
    });
    for (const id of ids) this.reading.set(id, settled);
    return settled;
  }
}
