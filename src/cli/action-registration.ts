import type { RegisteredAction } from '../actions/action.types';
import { menuEntriesOf, menuEntryPath } from '../actions/menu-entries';
import { variantOptions } from '../actions/variant-options';
import type { ZouClient } from '../zou/zou.client';
import type { ZouCustomAction, ZouCustomActionInput } from '../zou/zou.types';

/** One custom action as Kitsu should list it. */
export interface DesiredCustomAction {
  name: string;
  url: string;
  entity_type: string;
  is_ajax: boolean;
}

export type RegistrationStep =
  | { kind: 'create'; desired: DesiredCustomAction }
  | {
      kind: 'update';
      id: string;
      desired: DesiredCustomAction;
      changed: (keyof DesiredCustomAction)[];
    }
  | { kind: 'keep'; id: string; desired: DesiredCustomAction }
  | { kind: 'delete'; existing: ZouCustomAction }
  /** Ours, no longer declared, left alone because --prune was not given. */
  | { kind: 'stale'; existing: ZouCustomAction };

/** Zou's column sizes (CustomAction: name String(80), url String(400)). */
const MAX_NAME = 80;
const MAX_URL = 400;

/** `<PUBLIC_URL>/actions/`: every URL this deployment registers starts with it. */
export function actionsBase(publicUrl: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/actions/`;
}

/**
 * True when a Kitsu entry belongs to the deployment whose actions live under `base`: its URL is
 * `<base><action>[/<variant>][?query]`. Kitsu stores no owner, so the URL is the only mark; the
 * shape check keeps a deployment mounted deeper on the same host (`<PUBLIC_URL>/actions/x/actions/…`)
 * out of ours.
 */
export function isOurEntry(url: string, base: string): boolean {
  if (!url.startsWith(base)) return false;
  return /^[a-z0-9][a-z0-9-]*(\/[^/?#]+)?(\?[^#]*)?$/.test(url.slice(base.length));
}

/**
 * What Kitsu should list for our actions: each action's menu entries (one per launcher, forwarder
 * and documented variant such as stats' project scope; none when nothing is configured). Kitsu takes
 * one entity type per entry, so an entry accepting several is registered for 'all' (the intake still
 * rejects a selection of a type the action does not accept). Internal actions are not listed.
 */
export function desiredCustomActions(
  actions: readonly RegisteredAction[],
  publicUrl: string,
): DesiredCustomAction[] {
  const root = publicUrl.replace(/\/+$/, '');
  const desired: DesiredCustomAction[] = [];
  for (const action of actions) {
    const { options } = action;
    if (options.internal) continue;
    for (const entry of menuEntriesOf(action)) {
      const types = entry.entityTypes ?? options.entityTypes;
      desired.push({
        name: entry.label,
        url: root + menuEntryPath(options.name, entry),
        entity_type: types === 'all' || types.length !== 1 ? 'all' : types[0],
        // An entry that asks for options opens a tab on its form (form mode), whatever `ajax` says.
        is_ajax: options.ajax && !variantOptions(action.handler, entry.variant ?? ''),
      });
    }
  }
  return desired.sort((a, b) => a.name.localeCompare(b.name) || a.url.localeCompare(b.url));
}

/** Entries Zou would refuse (column sizes) or that would collide; checked before any write. */
export function registrationProblems(desired: readonly DesiredCustomAction[]): string[] {
  const problems: string[] = [];
  const urls = new Set<string>();
  for (const entry of desired) {
    if (entry.name.length > MAX_NAME) {
      problems.push(`"${entry.name}": name longer than ${MAX_NAME} characters`);
    }
    if (entry.url.length > MAX_URL) {
      problems.push(`"${entry.name}": url longer than ${MAX_URL} characters (${entry.url})`);
    }
    if (urls.has(entry.url)) problems.push(`"${entry.name}": url ${entry.url} declared twice`);
    urls.add(entry.url);
  }
  return problems;
}

/**
 * Steps that make our part of Zou's list match `desired`. Entries are matched by URL, and only
 * entries of this deployment (isOurEntry) are ever updated or deleted: two deployments registering
 * into one Kitsu, even with the same names, never touch each other's entries. Ours that are no
 * longer declared are deleted with `prune`, otherwise reported as stale.
 */
export function planRegistration(
  desired: readonly DesiredCustomAction[],
  existing: readonly ZouCustomAction[],
  publicUrl: string,
  prune: boolean,
): RegistrationStep[] {
  const base = actionsBase(publicUrl);
  const oursByUrl = new Map<string, ZouCustomAction[]>();
  for (const action of existing) {
    if (!isOurEntry(action.url, base)) continue;
    oursByUrl.set(action.url, [...(oursByUrl.get(action.url) ?? []), action]);
  }
  const steps: RegistrationStep[] = desired.map((wanted) => {
    // Oldest first keeps the entry Kitsu users already know; later duplicates become leftovers.
    const current = oursByUrl.get(wanted.url)?.shift();
    if (!current) return { kind: 'create', desired: wanted };
    const changed = (['name', 'entity_type', 'is_ajax'] as const).filter(
      (key) => current[key] !== wanted[key],
    );
    return changed.length === 0
      ? { kind: 'keep', id: current.id, desired: wanted }
      : { kind: 'update', id: current.id, desired: wanted, changed };
  });
  for (const leftover of [...oursByUrl.values()].flat()) {
    steps.push({ kind: prune ? 'delete' : 'stale', existing: leftover });
  }
  return steps;
}

/** Steps that write to Zou. */
export function countChanges(steps: readonly RegistrationStep[]): number {
  return steps.filter((step) => step.kind !== 'keep' && step.kind !== 'stale').length;
}

export async function applyRegistration(
  client: Pick<ZouClient, 'createCustomAction' | 'updateCustomAction' | 'deleteCustomAction'>,
  steps: readonly RegistrationStep[],
): Promise<void> {
  // Sequential: a handful of admin calls, and a failure leaves a clear point to resume from.
  for (const step of steps) {
    if (step.kind === 'create') await client.createCustomAction(toInput(step.desired));
    if (step.kind === 'update') await client.updateCustomAction(step.id, toInput(step.desired));
    if (step.kind === 'delete') await client.deleteCustomAction(step.existing.id);
  }
}

export function describeStep(step: RegistrationStep): string {
  const shape = (d: DesiredCustomAction) => `${d.url} (${d.entity_type}, ajax ${d.is_ajax})`;
  switch (step.kind) {
    case 'create':
      return `create  ${step.desired.name} -> ${shape(step.desired)}`;
    case 'update':
      return `update  ${step.desired.name}: ${step.changed.join(', ')} -> ${shape(step.desired)}`;
    case 'keep':
      return `ok      ${step.desired.name}`;
    case 'delete':
      return `delete  ${step.existing.name} (${step.existing.url})`;
    case 'stale':
      return `stale   ${step.existing.name} (${step.existing.url}): no longer declared, --prune deletes it`;
  }
}

function toInput(desired: DesiredCustomAction): ZouCustomActionInput {
  return { ...desired };
}
