import {
  ForbiddenException,
  Inject,
  Injectable,
  Logger,
  Optional,
  ServiceUnavailableException,
} from '@nestjs/common';
import { ActionRegistry } from '../actions/action-registry.service';
import type { KitsuActionRequest, RegisteredAction } from '../actions/action.types';
import { ENV, type Env } from '../config/config.module';
import { AUTH_RENEW_AHEAD_SHARE } from './auth.config';
import { ConfigError } from '../config/validate-env';
import { TtlCache } from '../zou/ttl-cache';
import { zouOutage } from './zou-outage';
import { ZouClient } from '../zou/zou.client';
import {
  ZouBadRequestError,
  ZouError,
  ZouForbiddenError,
  ZouNotFoundError,
} from '../zou/zou.errors';
import type { ZouPerson, ZouRole, ZouTaskType, ZouTeamMember } from '../zou/zou.types';

const ROLES: readonly ZouRole[] = ['admin', 'manager', 'supervisor', 'user', 'client', 'vendor'];
/** Default roles when neither ACTION_ROLES nor the action's metadata names any. */
const DEFAULT_ROLES: Record<string, readonly ZouRole[]> = {
  playlist: ['supervisor', 'manager', 'admin'],
};
/** A task never moves project, so task -> project is kept for good (bounded). */
const MAX_TASKS_REMEMBERED = 100_000;

export type AuthzRule =
  | 'known-person'
  | 'action-role'
  | 'action-project'
  | 'action-entity-type'
  | 'task-visibility'
  | 'claimed-project'
  | 'project-membership';

interface TaskFacts {
  projectId: string;
  taskTypeId: string;
}

/** What authorization learnt about an accepted click, for the job it becomes. */
export interface AuthzDecision {
  /** Entity types of the selected tasks as Zou says (from their task types); null when AUTHZ is off. */
  entityTypes: string[] | null;
  /**
   * Tasks on which the person may act only on work they launched themselves (render-cancel by
   * someone whose role may not render there).
   */
  ownWorkOnly: string[];
}

/** A person's role in one project. */
interface EffectiveRole {
  role: ZouRole;
  global: ZouRole;
  /** True when the project's team gives them a role of its own. */
  fromTeam: boolean;
}

/** A project (or unknown project) whose tasks Zou hid from the service account. */
interface OutsideEntry {
  projectId: string | null;
  tasks: Set<string>;
  since: string;
}

/** Parses `a=x,y;b=z` into a map; throws ConfigError naming the variable on bad entries. */
export function parseActionMap(variable: string, raw: string | undefined): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const entry of (raw ?? '').split(';').map((part) => part.trim())) {
    if (!entry) continue;
    const match = /^([a-z][a-z0-9-]*)=([^=]+)$/.exec(entry);
    if (!match)
      throw new ConfigError([`${variable}: entries like action=a,b;other=c ("${entry}")`]);
    out.set(
      match[1],
      match[2]
        .split(',')
        .map((value) => value.trim())
        .filter(Boolean),
    );
  }
  return out;
}

/**
 * Who may run what: after authentication, before enqueue. Asks Zou (as the service account)
 * for the person and the teams (with per-project roles) of the selected tasks' projects. Person
 * and teams are cached for AUTH_CACHE_SECONDS, task -> project for good, so a repeat click costs
 * no Zou call; the cache holds facts, never a verdict, so every click is judged per project.
 */
@Injectable()
export class ActionAuthorizer {
  private readonly logger = new Logger('Authz');
  readonly enabled: boolean;
  private readonly roles: Map<string, string[]>;
  private readonly projects: Map<string, string[]>;
  private readonly entityTypes: Map<string, string[]>;
  private readonly persons: TtlCache<ZouPerson>;
  private readonly teams: TtlCache<ZouTeamMember[]>;
  private readonly tasks = new Map<string, TaskFacts>();
  private readonly outside = new Map<string, OutsideEntry>();

  constructor(
    private readonly zou: ZouClient,
    @Inject(ENV) env: Env,
    @Optional() private readonly registry?: ActionRegistry,
  ) {
    const mode = (env.AUTHZ ?? '').trim().toLowerCase();
    if (mode && mode !== 'on' && mode !== 'off') throw new ConfigError(['AUTHZ: on or off']);
    this.enabled = mode ? mode === 'on' : Boolean(env.ZOU_URL);
    if (this.enabled && !env.ZOU_URL) throw new ConfigError(['AUTHZ: on needs ZOU_URL']);
    this.roles = parseActionMap('ACTION_ROLES', env.ACTION_ROLES);
    for (const [action, roles] of this.roles) {
      const wrong = roles.filter((role) => !(ROLES as readonly string[]).includes(role));
      if (wrong.length)
        throw new ConfigError([
          `ACTION_ROLES: unknown role "${wrong[0]}" for ${action} (one of ${ROLES.join(', ')})`,
        ]);
    }
    this.projects = parseActionMap('ACTION_PROJECTS', env.ACTION_PROJECTS);
    this.entityTypes = parseActionMap('ACTION_ENTITY_TYPES', env.ACTION_ENTITY_TYPES);
    const seconds = Number.parseInt(env.AUTH_CACHE_SECONDS ?? '10', 10);
    const ttlMs = Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : 10_000;
    // Renewed ahead while in use, so a person clicking on never waits for these reads.
    const renewAheadShare = AUTH_RENEW_AHEAD_SHARE;
    this.persons = new TtlCache<ZouPerson>(ttlMs, { maxEntries: 5000, renewAheadShare });
    this.teams = new TtlCache<ZouTeamMember[]>(ttlMs, { maxEntries: 1000, renewAheadShare });
  }

  /** Roles allowed to run an action; null means any member of the project. */
  allowedRoles(action: RegisteredAction): readonly string[] | null {
    const name = action.options.name;
    const own = this.roles.get(name) ?? action.options.roles ?? DEFAULT_ROLES[name];
    if (own) return own;
    // render-cancel takes render's roles: whoever may launch renders may stop them.
    const from = action.options.rolesFrom
      ? this.registry?.get(action.options.rolesFrom)
      : undefined;
    return from ? this.allowedRoles(from) : null;
  }

  /** Global role of a person (cached); null when Zou does not know the person. */
  async personRole(personId: string): Promise<ZouRole | null> {
    const person = await this.zouCall(() => this.person(personId));
    return person && person.active ? person.role : null;
  }

  /**
   * Projects where a click found the service account outside the team (so Zou hides their tasks
   * from it), for /health/ready. Each is asked again: once the account is in, it is dropped.
   */
  async serviceAccountOutside(): Promise<
    { projectId: string | null; tasks: string[]; since: string }[]
  > {
    for (const [key, entry] of this.outside) {
      const [firstTask] = entry.tasks;
      const still = entry.projectId
        ? this.serviceAccountOutsideOf(entry.projectId)
        : firstTask
          ? this.taskHidden(firstTask)
          : Promise.resolve(false);
      if (!(await still.catch(() => true))) this.outside.delete(key);
    }
    return [...this.outside.values()].map(({ projectId, tasks, since }) => ({
      projectId,
      tasks: [...tasks],
      since,
    }));
  }

  /**
   * Refuses (403 naming the rule) or returns what was learnt about the selection. Every role rule
   * uses the person's role in each task's project: the team role Zou has for them there, else the
   * global role; a selection across projects is judged task by task.
   */
  async authorize(
    request: KitsuActionRequest,
    action: RegisteredAction,
    { fresh = false }: { fresh?: boolean } = {},
  ): Promise<AuthzDecision> {
    if (!this.enabled) return { entityTypes: null, ownWorkOnly: [] };
    if (fresh) {
      // Fresh: the person and the teams read again, not from the AUTH_CACHE_SECONDS cache.
      this.forget(request);
    } else {
      // Everything known already (a person clicking on): judged at once, without a wait.
      const known = this.knownFacts(request, action);
      if (known) return this.judgeKnown(request, action, known);
    }
    const name = action.options.name;
    const person = await this.zouCall(() => this.person(request.personId));
    checkPerson(request, person);

    const facts = await this.zouCall(() => this.taskFacts(request.taskIds));
    const unseen = request.taskIds.filter((id) => !facts.has(id.toLowerCase()));
    if (unseen.length) await this.refuseUnseen(unseen, request.projectId);
    const selected = request.taskIds.map((id) => facts.get(id.toLowerCase())!);
    const projectIds = this.checkProjects(request, name, selected);
    const taskTypes = selected.length ? await this.zouCall(() => this.zou.getTaskTypes()) : [];
    const entityTypes = this.checkEntityTypes(name, action, selected, taskTypes);

    const roles = this.allowedRoles(action);
    const ownWorkOnly: string[] = [];
    for (const projectId of projectIds) {
      const tasks = request.taskIds.filter((_, i) => selected[i].projectId === projectId);
      const role = await this.projectRole(person, projectId, tasks);
      if (!roles || roles.includes(role.role)) continue;
      if (action.options.rolesFrom && action.handler.launchersOf) {
        // The person who launched the work may stop it, whatever their role.
        await this.checkLaunchers(request.personId, tasks, action, role, roles);
        ownWorkOnly.push(...tasks);
        continue;
      }
      refuseRole(role, projectId, name, roles);
    }
    return { entityTypes, ownWorkOnly };
  }

  /**
   * Whether authorize() would judge this click from what it holds, asking Zou nothing: the person,
   * every task's project and team, and the task types read lately. The intake then counts the
   * rate limits with the job's insert instead of before authorization, since no Zou call can
   * come first (a fact that lapses in the moment between costs one read, as its refresh would).
   */
  answersFromCache(request: KitsuActionRequest, action: RegisteredAction): boolean {
    return !this.enabled || this.knownFacts(request, action) !== undefined;
  }

  /**
   * The facts authorize() needs when every one is cached and already read (renewing ahead those
   * late in their life, as a read through the caches does); undefined when any is missing.
   * Cancelling someone else's render reads who launched it, so it is never judged this way.
   */
  private knownFacts(
    request: KitsuActionRequest,
    action: RegisteredAction,
  ): KnownFacts | undefined {
    if (action.options.rolesFrom) return undefined;
    const known = this.persons.now(request.personId, () => this.zou.readPerson(request.personId));
    const taskTypes = this.zou.taskTypesNow();
    if (!known || !taskTypes) return undefined;
    const person = known.value;
    const selected: TaskFacts[] = [];
    const teams = new Map<string, ZouTeamMember[]>();
    for (const id of request.taskIds) {
      // The intake's ids are lower-case already; one in another case misses here and goes the
      // Zou way, which lower-cases it.
      const facts = this.tasks.get(id);
      if (!facts) return undefined;
      selected.push(facts);
      // An admin's role needs no team, and authorize() reads none for them.
      if (person.role === 'admin' || teams.has(facts.projectId)) continue;
      const team = this.teams.now(facts.projectId, () => this.zou.readProjectTeam(facts.projectId));
      if (!team) return undefined;
      teams.set(facts.projectId, team.value);
    }
    return { person, selected, taskTypes, teams };
  }

  /** authorize() on facts all known: the same rules in the same order, nothing awaited. */
  private judgeKnown(
    request: KitsuActionRequest,
    action: RegisteredAction,
    { person, selected, taskTypes, teams }: KnownFacts,
  ): AuthzDecision {
    const name = action.options.name;
    checkPerson(request, person);
    const projectIds = this.checkProjects(request, name, selected);
    const entityTypes = this.checkEntityTypes(name, action, selected, taskTypes);
    const roles = this.allowedRoles(action);
    for (const projectId of projectIds) {
      const role =
        person.role === 'admin' ? ADMIN : roleInTeam(person, projectId, teams.get(projectId)!);
      if (roles && !roles.includes(role.role)) refuseRole(role, projectId, name, roles);
    }
    return { entityTypes, ownWorkOnly: [] };
  }

  /**
   * The projects of the selected tasks, refusing a claimed project none of them is in and a
   * project the action is not allowed on.
   */
  private checkProjects(
    request: KitsuActionRequest,
    name: string,
    selected: TaskFacts[],
  ): string[] {
    const projectIds: string[] = [];
    for (const task of selected)
      if (!projectIds.includes(task.projectId)) projectIds.push(task.projectId);
    // Kitsu sends the page's project, or on "My tasks" the first selected task's: it names one
    // project of the selection, not a bound on it. A project no selected task is in is a lie.
    if (request.projectId && !projectIds.includes(request.projectId))
      refuse(
        'claimed-project',
        `none of the selected tasks is in the claimed project ${request.projectId}`,
      );
    const allowedProjects = this.projects.get(name);
    if (allowedProjects) {
      const outside = projectIds.filter((id) => !allowedProjects.includes(id));
      if (outside.length)
        refuse('action-project', `${name} is not allowed on project ${outside[0]}`);
    }
    return projectIds;
  }

  /** Drops what the caches hold on a person (and a project's team), so the next read asks Zou. */
  private forget(request: KitsuActionRequest): void {
    this.persons.delete(request.personId);
    if (request.projectId) this.teams.delete(request.projectId);
    for (const id of request.taskIds) {
      const facts = this.tasks.get(id.toLowerCase());
      if (facts) this.teams.delete(facts.projectId);
    }
  }

  /** The person's role in a project: admin everywhere, else the team role, else the global one. */
  private async projectRole(
    person: ZouPerson,
    projectId: string,
    taskIds: string[],
  ): Promise<EffectiveRole> {
    if (person.role === 'admin') return ADMIN;
    const team = await this.zouCall(() => this.team(projectId));
    if (team === 'hidden') return this.refuseOutside(projectId, taskIds);
    return roleInTeam(person, projectId, team);
  }

  private async checkLaunchers(
    personId: string,
    taskIds: string[],
    action: RegisteredAction,
    role: EffectiveRole,
    roles: readonly string[],
  ): Promise<void> {
    const launchers = await action.handler.launchersOf!(taskIds);
    for (const [taskId, people] of launchers) {
      const others = [...people].filter((id) => id.toLowerCase() !== personId.toLowerCase());
      if (others.length)
        refuse(
          'action-role',
          `${describeRole(role, null)} may cancel only the renders they launched (or be ${roles.join(', ')}): ` +
            `task ${taskId} has a render launched by person ${others[0]}`,
        );
    }
  }

  /**
   * Zou leaves out of its lists what the service account may not read, so a task missing from
   * the answer is either gone or in a project whose team the account is not in. The refusal
   * says which (one extra read per task, at most a few, only on this path).
   */
  private async refuseUnseen(unseen: string[], claimedProjectId: string | null): Promise<never> {
    const listed = `${unseen.slice(0, 5).join(', ')}${unseen.length > 5 ? ', ...' : ''}`;
    let hidden: string[];
    try {
      const checks = await Promise.all(
        unseen.slice(0, 5).map(async (id) => ((await this.taskHidden(id)) ? id : null)),
      );
      hidden = checks.filter((id): id is string => id !== null);
    } catch (error) {
      this.logger.warn(`Could not tell why tasks are hidden: ${(error as Error).message}`);
      refuse(
        'task-visibility',
        `Kitsu does not show task(s) ${listed}: unknown, deleted, or in a project whose team ` +
          'this service’s account is not in',
      );
    }
    if (!hidden.length)
      refuse('task-visibility', `Kitsu does not show task(s) ${listed}: unknown or deleted`);
    // Name the project when it is the claimed one (Kitsu's first task's); else it stays unnamed.
    const claimedOutside = claimedProjectId
      ? await this.serviceAccountOutsideOf(claimedProjectId).catch(() => false)
      : false;
    return this.refuseOutside(claimedOutside ? claimedProjectId : null, hidden);
  }

  /** Refuses a click because Zou hides a project from the service account, and remembers it. */
  private async refuseOutside(projectId: string | null, taskIds: string[]): Promise<never> {
    const listed = `${taskIds.slice(0, 5).join(', ')}${taskIds.length > 5 ? ', ...' : ''}`;
    const account = await this.serviceAccountName();
    const key = projectId ?? 'unknown-project';
    const entry = this.outside.get(key) ?? {
      projectId,
      tasks: new Set<string>(),
      since: new Date().toISOString(),
    };
    for (const id of taskIds.slice(0, 5)) if (entry.tasks.size < 20) entry.tasks.add(id);
    this.outside.set(key, entry);
    this.logger.warn(
      `Service account ${account} is not in the team of ${projectId ? `project ${projectId}` : 'the project of task(s) ' + listed}`,
    );
    refuse(
      'task-visibility',
      `Kitsu does not show task(s) ${listed} to this service: its account (${account}) is not in the team of ` +
        `${projectId ? `project ${projectId}` : 'their project'}. Add the account to that project's team in Kitsu.`,
    );
  }

  /** True when the task exists but the service account may not read it (Zou: 403, not 404). */
  private async taskHidden(taskId: string): Promise<boolean> {
    try {
      await this.zou.getTask(taskId);
      return false;
    } catch (error) {
      if (error instanceof ZouForbiddenError) return true;
      if (error instanceof ZouNotFoundError || error instanceof ZouBadRequestError) return false;
      throw error;
    }
  }

  /** True when Zou refuses the service account the project (it is not in the team). */
  private async serviceAccountOutsideOf(projectId: string): Promise<boolean> {
    try {
      await this.zou.readProject(projectId);
      return false;
    } catch (error) {
      if (error instanceof ZouForbiddenError) return true;
      if (error instanceof ZouNotFoundError) return false;
      throw error;
    }
  }

  private async serviceAccountName(): Promise<string> {
    try {
      const me = await this.zou.whoAmI();
      return me.user.email || me.user.full_name || 'the service account';
    } catch {
      return 'the service account';
    }
  }

  private checkEntityTypes(
    name: string,
    action: RegisteredAction,
    facts: TaskFacts[],
    taskTypes: ZouTaskType[],
  ): string[] | null {
    const configured = this.entityTypes.get(name);
    const declared = action.options.entityTypes;
    const allowed = configured ?? (declared === 'all' ? null : [...declared]);
    if (facts.length === 0) return [];
    const byId = entityTypeById(taskTypes);
    const seen = new Set<string>();
    for (const fact of facts) {
      const entityType = byId.get(fact.taskTypeId) ?? 'unknown';
      seen.add(entityType);
      if (allowed && !allowed.includes(entityType))
        refuse(
          'action-entity-type',
          `${name} does not accept ${entityType} tasks (allowed: ${allowed.join(', ')})`,
        );
    }
    return [...seen];
  }

  private person(id: string): Promise<ZouPerson | null> {
    return this.persons
      .get(id, () => this.zou.readPerson(id))
      .catch((error: unknown) => {
        if (error instanceof ZouNotFoundError) return null;
        throw error;
      });
  }

  /** The team with per-project roles; null when the project is gone, 'hidden' when Zou says 403. */
  private team(projectId: string): Promise<ZouTeamMember[] | null | 'hidden'> {
    return this.teams
      .get(projectId, () => this.zou.readProjectTeam(projectId))
      .catch((error: unknown) => {
        if (error instanceof ZouNotFoundError) return null;
        if (error instanceof ZouForbiddenError) return 'hidden' as const;
        throw error;
      });
  }

  /** Project and task type of each task, reading only the ones never seen before. */
  private async taskFacts(ids: string[]): Promise<Map<string, TaskFacts>> {
    const known = new Map<string, TaskFacts>();
    const unknown: string[] = [];
    for (const id of ids) {
      const fact = this.tasks.get(id.toLowerCase());
      if (fact) known.set(id.toLowerCase(), fact);
      else unknown.push(id);
    }
    if (unknown.length) {
      const { tasks } = await this.zou.getTasksByIds(unknown);
      for (const task of tasks) {
        const fact = { projectId: task.project_id, taskTypeId: task.task_type_id };
        if (this.tasks.size >= MAX_TASKS_REMEMBERED)
          this.tasks.delete(this.tasks.keys().next().value!);
        this.tasks.set(task.id.toLowerCase(), fact);
        known.set(task.id.toLowerCase(), fact);
      }
    }
    return known;
  }

  /** Zou down while deciding: 503 with Retry-After, never let the click through. */
  private async zouCall<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof ForbiddenException) throw error;
      const reason = error instanceof ZouError ? error.message : 'Kitsu did not answer';
      this.logger.warn(`Authorization check failed: ${reason}`);
      throw new ServiceUnavailableException({
        message: `Kitsu could not confirm who may run this action: ${zouOutage(error)}. Try again shortly.`,
        missing: 'authorization-facts',
        retryAfter: 5,
      });
    }
  }
}

/** Per list of task types as the Zou client cached it: built once, not on every click. */
const entityTypeMaps = new WeakMap<ZouTaskType[], Map<string, string>>();

/** Task type id -> the entity type its tasks belong to (shot, asset, ...), lower case. */
function entityTypeById(taskTypes: ZouTaskType[]): Map<string, string> {
  let byId = entityTypeMaps.get(taskTypes);
  if (!byId) {
    byId = new Map(taskTypes.map((type) => [type.id, type.for_entity.toLowerCase()]));
    entityTypeMaps.set(taskTypes, byId);
  }
  return byId;
}

/** Per team as cached: members by lower-case id, so a click does not scan the team. */
const teamMaps = new WeakMap<ZouTeamMember[], Map<string, ZouTeamMember>>();

function membersById(team: ZouTeamMember[]): Map<string, ZouTeamMember> {
  let byId = teamMaps.get(team);
  if (!byId) {
    byId = new Map();
    for (const member of team) {
      const id = member.id.toLowerCase();
      if (!byId.has(id)) byId.set(id, member); // the first entry, as a scan would find
    }
    teamMaps.set(team, byId);
  }
  return byId;
}

/** An admin's role, wherever: no team is read for it. */
const ADMIN: EffectiveRole = { role: 'admin', global: 'admin', fromTeam: false };

/** What authorize() judges a click on when the caches hold all of it. */
interface KnownFacts {
  person: ZouPerson;
  /** The facts of each selected task, in the request's order. */
  selected: TaskFacts[];
  taskTypes: ZouTaskType[];
  /** The team of each selected task's project (none for an admin). */
  teams: Map<string, ZouTeamMember[]>;
}

function checkPerson(
  request: KitsuActionRequest,
  person: ZouPerson | null,
): asserts person is ZouPerson {
  if (!person || !person.active)
    refuse('known-person', `person ${request.personId} is unknown to Kitsu or inactive`);
}

/** A non-admin's role in a project from its team (null: the project is gone). */
function roleInTeam(
  person: ZouPerson,
  projectId: string,
  team: ZouTeamMember[] | null,
): EffectiveRole {
  const member = team ? membersById(team).get(person.id.toLowerCase()) : undefined;
  if (!member)
    refuse('project-membership', `person ${person.id} is not in the team of project ${projectId}`);
  const fromTeam = Boolean(member.project_role);
  return { role: member.project_role ?? person.role, global: person.role, fromTeam };
}

function refuseRole(
  role: EffectiveRole,
  projectId: string,
  name: string,
  roles: readonly string[],
): never {
  refuse(
    'action-role',
    `${describeRole(role, projectId)} may not run ${name} (allowed: ${roles.join(', ')})`,
  );
}

function describeRole(role: EffectiveRole, projectId: string | null): string {
  const where = projectId ? ` in project ${projectId}` : '';
  return role.fromTeam
    ? `role "${role.role}"${where} (their project role; global role "${role.global}")`
    : `role "${role.role}"${where}`;
}

function refuse(rule: AuthzRule, message: string): never {
  throw new ForbiddenException({ statusCode: 403, error: 'Forbidden', rule, message });
}
