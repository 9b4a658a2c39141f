import type { ResolvedTask } from '../../zou/selection-resolver';
import { hasEmail } from '../../zou/zou.client';
import type { ActionJobBase, OptionValues } from '../action.types';
import type { ForwardContextPart, Forwarder } from './forward.config';

/** Version of the payload shape; a receiver can refuse shapes it does not know. */
export const FORWARD_PAYLOAD_VERSION = 1;

interface Named {
  id: string;
  name: string;
}

/** One selected task as the target receives it (documented in the README). */
export interface ForwardedTask extends Named {
  entity_type: string;
  task_type?: Named;
  task_status?: Named & { short_name: string };
  entity?: Named & {
    type: string;
    sequence: Named | null;
    episode: Named | null;
    frame_in: number | null;
    frame_out: number | null;
  };
  project?: Named;
  assignees?: ForwardedAssignee[];
}

/**
 * An assignee. `email` is null when Zou does not show it to the service account (it shows
 * addresses to admins and managers only); `email_hidden` then says so, so a receiver can tell
 * "hidden" from "none".
 */
export interface ForwardedAssignee {
  id: string;
  name: string;
  email: string | null;
  email_hidden?: true;
}

/** The JSON body a forwarder's target receives. */
export interface ForwardPayload {
  version: number;
  delivery_id: string;
  action: 'forward';
  forwarder: string;
  job_id: string;
  request_id: string;
  requested_at: string;
  sent_at: string;
  person: { id: string; email: string };
  project: Named | null;
  entity_type: string | null;
  origin: { server: string; path: string; format: string };
  params: Record<string, string>;
  /** The values of the forwarder's declared option fields, as chosen or defaulted; {} when none. */
  options: OptionValues;
  tasks: ForwardedTask[];
  /** Selected task ids Zou did not return (deleted, or not visible to the service account). */
  missing: string[];
}

function named(value: { id: string; name: string } | null): Named | null {
  return value ? { id: value.id, name: value.name } : null;
}

function frame(data: unknown, key: string): number | null {
  const value = (data as Record<string, unknown> | null | undefined)?.[key];
  const number = typeof value === 'string' ? Number(value) : value;
  return typeof number === 'number' && Number.isFinite(number) ? number : null;
}

export function forwardedTask(
  resolved: ResolvedTask,
  include: readonly ForwardContextPart[],
): ForwardedTask {
  const wants = new Set(include);
  const { task, entity, taskType, taskStatus, project } = resolved;
  const out: ForwardedTask = {
    id: task.id,
    name: task.name,
    entity_type: resolved.entityType.toLowerCase(),
  };
  if (wants.has('task_type')) out.task_type = { id: taskType.id, name: taskType.name };
  if (wants.has('task_status')) {
    out.task_status = {
      id: taskStatus.id,
      name: taskStatus.name,
      short_name: taskStatus.short_name,
    };
  }
  if (wants.has('entity')) {
    out.entity = {
      id: entity.id,
      name: entity.name,
      type: resolved.entityType.toLowerCase(),
      sequence: named(resolved.sequence),
      episode: named(resolved.episode),
      frame_in: frame(entity.data, 'frame_in'),
      frame_out: frame(entity.data, 'frame_out'),
    };
  }
  if (wants.has('project')) out.project = { id: project.id, name: project.name };
  if (wants.has('assignees')) {
    out.assignees = resolved.assignees.map((person) => ({
      id: person.id,
      name: person.full_name || `${person.first_name} ${person.last_name}`.trim(),
      email: person.email ?? null,
      ...(hasEmail(person) ? {} : { email_hidden: true as const }),
    }));
  }
  return out;
}

/** The body for one delivery; `sentAt` is per attempt, everything else is stable across retries. */
export function buildForwardPayload(input: {
  forwarder: Forwarder;
  data: ActionJobBase;
  jobId: string;
  deliveryId: string;
  tasks: ResolvedTask[];
  missing: string[];
  sentAt: Date;
}): ForwardPayload {
  const { data, forwarder, tasks } = input;
  const { request } = data;
  const firstProject = tasks.find((t) => t.project.id === request.projectId)?.project;
  return {
    version: FORWARD_PAYLOAD_VERSION,
    delivery_id: input.deliveryId,
    action: 'forward',
    forwarder: forwarder.name,
    job_id: input.jobId,
    request_id: data.requestId,
    requested_at: data.requestedAt,
    sent_at: input.sentAt.toISOString(),
    person: { id: request.personId, email: request.personEmail },
    project: request.projectId
      ? { id: request.projectId, name: firstProject?.name ?? '' }
      : named(tasks[0]?.project ?? null),
    entity_type: request.entityType,
    origin: { server: request.originServer, path: request.originPath, format: request.format },
    params: data.params,
    options: data.options ?? {},
    tasks: tasks.map((task) => forwardedTask(task, forwarder.include)),
    missing: input.missing,
  };
}
