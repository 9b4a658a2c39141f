import type { RegisteredAction } from '../actions/action.types';
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
  | { kind: 'delete'; existing: ZouCustomAction };

/**
 * What Kitsu should list for our actions. An action accepting several entity types is one entry
 * with entity_type 'all' (Kitsu accepts a single type per entry and names must stay unique; the
 * intake still rejects a selection of a type the action does not accept). Each variant is its own
 * entry, "<label>: <variant>", posting to /actions/<name>/<variant>. Internal actions are not listed.
 */
export function desiredCustomActions(
  actions: readonly RegisteredAction[],
  publicUrl: string,
): DesiredCustomAction[] {
  const base = `${publicUrl.replace(/\/+$/, '')}/actions/`;
  const desired: DesiredCustomAction[] = [];
  for (const { options, handler } of actions) {
    if (options.internal) continue;
    const types = options.entityTypes;
    const entityType = types === 'all' || types.length !== 1 ? 'all' : types[0];
    const entry = { entity_type: entityType, is_ajax: options.ajax };
    const variants = handler.variants?.() ?? [];
    if (variants.length === 0) {
      desired.push({ name: options.label, url: base + options.name, ...entry });
    }
    for (const variant of variants) {
      desired.push({
        name: `${options.label}: ${variant}`,
        url: `${base}${options.name}/${encodeURIComponent(variant)}`,
        ...entry,
      });
    }
  }
  return desired.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Steps that make Zou's list match `desired`, matched by name. With `prune`, entries whose URL is
 * under our /actions/ but which we no longer declare are deleted; other people's entries never are.
 */
export function planRegistration(
  desired: readonly DesiredCustomAction[],
  existing: readonly ZouCustomAction[],
  publicUrl: string,
  prune: boolean,
): RegistrationStep[] {
  const byName = new Map(existing.map((action) => [action.name, action]));
  const steps: RegistrationStep[] = desired.map((wanted) => {
    const current = byName.get(wanted.name);
    if (!current) return { kind: 'create', desired: wanted };
    const changed = (['url', 'entity_type', 'is_ajax'] as const).filter(
      (key) => current[key] !== wanted[key],
    );
    return changed.length === 0
      ? { kind: 'keep', id: current.id, desired: wanted }
      : { kind: 'update', id: current.id, desired: wanted, changed };
  });
  if (prune) {
    const ours = `${publicUrl.replace(/\/+$/, '')}/actions/`;
    const wantedNames = new Set(desired.map((wanted) => wanted.name));
    for (const action of existing) {
      if (action.url.startsWith(ours) && !wantedNames.has(action.name)) {
        steps.push({ kind: 'delete', existing: action });
      }
    }
  }
  return steps;
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
  switch (step.kind) {
    case 'create':
      return `create  ${step.desired.name} -> ${step.desired.url} (${step.desired.entity_type}, ajax ${step.desired.is_ajax})`;
    case 'update':
      return `update  ${step.desired.name}: ${step.changed.join(', ')} -> ${step.desired.url} (${step.desired.entity_type}, ajax ${step.desired.is_ajax})`;
    case 'keep':
      return `ok      ${step.desired.name}`;
    case 'delete':
      return `delete  ${step.existing.name} (${step.existing.url})`;
  }
}

function toInput(desired: DesiredCustomAction): ZouCustomActionInput {
  return { ...desired };
}
