import {
  ForbiddenException,
  Inject,
  Injectable,
  Logger,
  ServiceUnavailableException,
} from '@nestjs/common';
import type { KitsuActionRequest, RegisteredAction } from '../actions/action.types';
import { ENV, type Env } from '../config/config.module';
import { ConfigError } from '../config/validate-env';
import { TtlCache } from '../zou/ttl-cache';
import { ZouClient } from '../zou/zou.client';
import { ZouError, ZouNotFoundError } from '../zou/zou.errors';
import type { ZouPerson, ZouProject, ZouRole } from '../zou/zou.types';

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
 * for the person's role and the teams of the selected tasks' projects. Person and teams are
 * cached for AUTH_CACHE_SECONDS, task -> project for good, so a repeat click costs no Zou call.
 */
@Injectable()
export class ActionAuthorizer {
  private readonly logger = new Logger('Authz');
  readonly enabled: boolean;
  private readonly roles: Map<string, string[]>;
  private readonly projects: Map<string, string[]>;
  private readonly entityTypes: Map<string, string[]>;
  private readonly persons: TtlCache<ZouPerson>;
  private readonly teams: TtlCache<ZouProject>;
  private readonly tasks = new Map<string, TaskFacts>();

  constructor(
    private readonly zou: ZouClient,
    @Inject(ENV) env: Env,
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
    this.persons = new TtlCache<ZouPerson>(ttlMs, 5000);
    this.teams = new TtlCache<ZouProject>(ttlMs, 1000);
  }

  /** Roles allowed to run an action; null means any member of the project. */
  allowedRoles(action: RegisteredAction): readonly string[] | null {
    const name = action.options.name;
    return this.roles.get(name) ?? action.options.roles ?? DEFAULT_ROLES[name] ?? null;
  }

  /** Role of a person (cached); null when Zou does not know the person. */
  async personRole(personId: string): Promise<ZouRole | null> {
    const person = await this.zouCall(() => this.person(personId));
    return person && person.active ? person.role : null;
  }

  async authorize(request: KitsuActionRequest, action: RegisteredAction): Promise<void> {
    if (!this.enabled) return;
    const name = action.options.name;
    const person = await this.zouCall(() => this.person(request.personId));
    if (!person || !person.active)
      refuse('known-person', `person ${request.personId} is unknown to Kitsu or inactive`);
    const roles = this.allowedRoles(action);
    if (roles && !roles.includes(person.role))
      refuse(
        'action-role',
        `role "${person.role}" may not run ${name} (allowed: ${roles.join(', ')})`,
      );

    const facts = await this.zouCall(() => this.taskFacts(request.taskIds));
    const unseen = request.taskIds.filter((id) => !facts.has(id.toLowerCase()));
    if (unseen.length)
      refuse(
        'task-visibility',
        `Kitsu does not show task(s) ${unseen.slice(0, 5).join(', ')}${unseen.length > 5 ? ', ...' : ''}`,
      );
    const projectIds = new Set([...facts.values()].map((fact) => fact.projectId));
    if (request.projectId) {
      const foreign = request.taskIds.filter(
        (id) => facts.get(id.toLowerCase())!.projectId !== request.projectId,
      );
      if (foreign.length)
        refuse(
          'claimed-project',
          `task(s) ${foreign.slice(0, 5).join(', ')} are not in the claimed project ${request.projectId}`,
        );
      projectIds.add(request.projectId);
    }
    const allowedProjects = this.projects.get(name);
    if (allowedProjects) {
      const outside = [...projectIds].filter((id) => !allowedProjects.includes(id));
      if (outside.length)
        refuse('action-project', `${name} is not allowed on project ${outside[0]}`);
    }
    await this.checkEntityTypes(name, action, [...facts.values()]);
    if (person.role === 'admin') return; // admins see every project
    for (const projectId of projectIds) {
      const project = await this.zouCall(() => this.project(projectId));
      if (!project || !project.team.includes(person.id))
        refuse(
          'project-membership',
          `person ${person.id} is not in the team of project ${projectId}`,
        );
    }
  }

  private async checkEntityTypes(
    name: string,
    action: RegisteredAction,
    facts: TaskFacts[],
  ): Promise<void> {
    const configured = this.entityTypes.get(name);
    const declared = action.options.entityTypes;
    const allowed = configured ?? (declared === 'all' ? null : [...declared]);
    if (!allowed || facts.length === 0) return;
    const taskTypes = await this.zouCall(() => this.zou.getTaskTypes());
    const byId = new Map(taskTypes.map((type) => [type.id, type.for_entity.toLowerCase()]));
    for (const fact of facts) {
      const entityType = byId.get(fact.taskTypeId) ?? 'unknown';
      if (!allowed.includes(entityType))
        refuse(
          'action-entity-type',
          `${name} does not accept ${entityType} tasks (allowed: ${allowed.join(', ')})`,
        );
    }
  }

  private person(id: string): Promise<ZouPerson | null> {
    return this.persons
      .get(id, () => this.zou.readPerson(id))
      .catch((error: unknown) => {
        if (error instanceof ZouNotFoundError) return null;
        throw error;
      });
  }

  private project(id: string): Promise<ZouProject | null> {
    return this.teams
      .get(id, () => this.zou.readProject(id))
      .catch((error: unknown) => {
        if (error instanceof ZouNotFoundError) return null;
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
        message: 'Kitsu could not confirm who may run this action; try again shortly',
        retryAfter: 5,
      });
    }
  }
}

function refuse(rule: AuthzRule, message: string): never {
  throw new ForbiddenException({ statusCode: 403, error: 'Forbidden', rule, message });
}
