import { randomUUID } from 'node:crypto';
import type {
  ZouComment,
  ZouCustomAction,
  ZouEntity,
  ZouEntityPreviews,
  ZouPerson,
  ZouPlaylist,
  ZouPlaylistEntry,
  ZouProject,
  ZouRole,
  ZouTask,
  ZouTaskFull,
} from '../../../src/zou/zou.types';
import {
  zouDateTime,
  type SimComment,
  type SimPreviewFile,
  type SimulatorDataset,
} from './dataset';
import {
  badRequest,
  forbidden,
  HttpError,
  isUuid,
  UUID_PATTERN,
  notFound,
  Reply,
  validationError,
  type Query,
  type RequestContext,
  type Router,
} from './http-kit';
import * as Z from './serialise';
import { episodeStats, retakeStats } from './stats';

export interface RouteOptions {
  legacyPlaylists: boolean;
  now: () => number;
  issueTokens: (person: ZouPerson) => { access_token: string; refresh_token: string };
  issueAccessToken: (person: ZouPerson) => string;
  version: string;
}

/** CRUD list parameters that are not filters. */
const LIST_PARAMETERS = new Set(['page', 'limit', 'relations', 'fields']);
/** Collection fields Zou's CRUD lists send only with `relations=true`. */
const RELATION_FIELDS: Record<string, string[]> = {
  Task: ['assignees'],
  Project: ['team', 'task_types', 'task_statuses', 'asset_types'],
};
const PLAYLIST_FOR = ['shot', 'asset', 'sequence', 'edit', 'episode'];
/** Roles a team member may hold in one project (PUT /data/projects/:id/team/:person). */
const PROJECT_ROLES: readonly string[] = ['user', 'supervisor', 'manager', 'client', 'vendor'];
/** Preview file routes: picture sizes Zou makes of every preview, movie files of movies only. */
const PICTURE_SIZES = ['originals', 'thumbnails', 'thumbnails-square', 'previews'];
const MOVIE_SIZES = ['originals', 'previews', 'lowdef'];
/** A 1x1 transparent PNG: what the simulator serves for every picture. */
const PNG_PIXEL = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);
/** Zou's paged lists default to 100 rows (NB_RECORDS_PER_PAGE). */
const DEFAULT_PAGE_SIZE = 100;

/** Zou's routes over the simulator's store, with Zou's permissions, filters and error bodies. */
export function registerZouRoutes(
  router: Router,
  store: SimulatorDataset,
  options: RouteOptions,
): void {
  const stamp = () => zouDateTime(new Date(options.now()));
  const me = (context: RequestContext) => context.person as ZouPerson;

  // --- permissions (permissions_service.py, simplified to what actions meet) ---
  const isAdmin = (person: ZouPerson) => person.role === 'admin';
  /** has_manager_permissions: admin or manager (a manager bot included). */
  const isManager = (person: ZouPerson) => person.role === 'admin' || person.role === 'manager';
  const inTeam = (person: ZouPerson, project: ZouProject) => project.team.includes(person.id);
  /** The role that counts inside one project: the team role where set (Zou 1.0.67), else the global one. */
  const roleIn = (person: ZouPerson, projectId: string): ZouRole =>
    isAdmin(person)
      ? 'admin'
      : (store.projectRoles.get(`${projectId}/${person.id}`) ?? person.role);
  const visibleProjectIds = (person: ZouPerson) =>
    new Set(
      [...store.projects.values()]
        .filter((project) => isAdmin(person) || inTeam(person, project))
        .map((project) => project.id),
    );
  const checkProjectAccess = (person: ZouPerson, projectId: string) => {
    const project = store.projects.get(projectId);
    if (!project) throw notFound('Project not found');
    if (!isAdmin(person) && !inTeam(person, project)) throw forbidden();
    return project;
  };
  const checkSupervisorAccess = (person: ZouPerson, projectId: string) => {
    const project = checkProjectAccess(person, projectId);
    const role = roleIn(person, project.id);
    if (role !== 'admin' && role !== 'manager' && role !== 'supervisor') throw forbidden();
    return project;
  };
  const checkTaskRead = (person: ZouPerson, task: ZouTask) => {
    checkProjectAccess(person, task.project_id);
    if (roleIn(person, task.project_id) === 'vendor' && !task.assignees.includes(person.id))
      throw forbidden();
  };
  const checkAdmin = (person: ZouPerson) => {
    if (!isAdmin(person)) throw forbidden();
  };

  // --- lookups ---
  const find = <T>(map: Map<string, T>, id: string, label: string): T => {
    if (!isUuid(id)) throw badRequest('Malformed ID.');
    const row = map.get(id.toLowerCase()) ?? map.get(id);
    if (!row) throw notFound(`${label} not found`);
    return row;
  };
  const entityOfType = (id: string, type: ZouEntity['type'], person: ZouPerson) => {
    const entity = find(store.entities, id, type);
    if (entity.type !== type) throw notFound(`${type} not found`);
    checkProjectAccess(person, entity.project_id);
    return entity;
  };

  // --- index and auth ---
  router.add('GET', '/', () => ({ api: 'Zou', version: options.version }), 'none');

  router.add(
    'POST',
    '/auth/login',
    ({ body }) => {
      const { email, password } = (body ?? {}) as { email?: unknown; password?: unknown };
      if (typeof email !== 'string' || typeof password !== 'string') {
        throw new HttpError(400, { login: false });
      }
      const person = [...store.persons.values()].find(
        (candidate) => candidate.email.toLowerCase() === email.trim().toLowerCase(),
      );
      if (!person || person.is_bot || password !== store.password) {
        throw new HttpError(400, { login: false });
      }
      if (!person.active) throw new HttpError(401, { login: false, message: 'User is inactive' });
      return {
        login: true,
        user: Z.personFull(person),
        organisation: Z.organisation(store.organisation, isAdmin(person)),
        ...options.issueTokens(person),
      };
    },
    'none',
  );

  router.add(
    'GET',
    '/auth/refresh-token',
    (context) => {
      if (me(context).is_bot) throw new HttpError(401, { msg: 'Bots cannot refresh tokens' });
      return { access_token: options.issueAccessToken(me(context)) };
    },
    'refresh',
  );

  router.add('GET', '/auth/authenticated', (context) => ({
    authenticated: true,
    user: Z.personAuthenticated(me(context)),
    organisation: Z.organisation(store.organisation, isAdmin(me(context))),
  }));

  // --- tasks ---
  const visibleTasks = (person: ZouPerson, query: Query) => {
    const projects = visibleProjectIds(person);
    return candidates(store.tasks, query).filter(
      (task) =>
        projects.has(task.project_id) &&
        (person.role !== 'vendor' || task.assignees.includes(person.id)),
    );
  };

  router.add('GET', '/data/tasks', ({ query, person }) =>
    crudList('Task', visibleTasks(person!, query), query, Z.task),
  );

  router.add('GET', '/data/tasks/:id', ({ params, person }) => {
    const task = find(store.tasks, params.id, 'Task');
    checkTaskRead(person!, task);
    return Z.task(task);
  });

  router.add('GET', '/data/tasks/:id/full', ({ params, person }) => {
    // Zou's /full route does not validate the id: a malformed one is simply not found.
    if (!isUuid(params.id)) throw notFound();
    const task = find(store.tasks, params.id, 'Task');
    checkTaskRead(person!, task);
    return fullTask(task);
  });

  router.add('GET', '/data/tasks/:id/comments', ({ params, person }) => {
    const task = find(store.tasks, params.id, 'Task');
    checkTaskRead(person!, task);
    return [...store.comments.values()]
      .filter((comment) => comment.object_id === task.id)
      .reverse()
      .map((comment) => ({
        ...Z.comment(comment),
        person: Z.personOfCommentList(store.persons.get(comment.person_id)!),
        task_status: Z.taskStatusOfCommentList(store.taskStatuses.get(comment.task_status_id)!),
      }));
  });

  router.add('POST', '/actions/tasks/:id/comment', ({ params, body, person }) => {
    const task = find(store.tasks, params.id, 'Task');
    const input = (body ?? {}) as Record<string, unknown>;
    if (typeof input.task_status_id !== 'string' || input.task_status_id === '') {
      throw validationError([{ field: 'task_status_id', message: 'Field required' }]);
    }
    if (input.comment !== undefined && typeof input.comment !== 'string') {
      throw validationError([{ field: 'comment', message: 'Input should be a valid string' }]);
    }
    checkTaskAction(person!, task);
    const status = find(store.taskStatuses, input.task_status_id, 'Task status');
    if ((person!.role === 'user' || person!.role === 'vendor') && !status.is_artist_allowed) {
      throw forbidden();
    }
    if (person!.role === 'client' && !status.is_client_allowed) throw forbidden();
    // person_id is only honoured for managers and admins; others always comment as themselves.
    let author = person!;
    if (isManager(person!) && typeof input.person_id === 'string' && input.person_id !== '') {
      author = find(store.persons, input.person_id, 'Person');
    }
    const now = stamp();
    const comment: SimComment = {
      id: randomUUID(),
      type: 'Comment',
      object_id: task.id,
      object_type: 'Task',
      person_id: author.id,
      task_status_id: status.id,
      text: typeof input.comment === 'string' ? input.comment : '',
      checklist: Array.isArray(input.checklist) ? (input.checklist as SimComment['checklist']) : [],
      links: Array.isArray(input.links) ? (input.links as string[]) : [],
      created_at: now,
      updated_at: now,
    };
    store.comments.set(comment.id, comment);
    const previous = store.taskStatuses.get(task.task_status_id);
    if (status.id !== task.task_status_id) {
      if (status.is_retake && !previous?.is_retake) task.retake_count += 1;
      if (status.is_done) task.done_date = now;
      if (status.is_wip && !task.real_start_date) task.real_start_date = now;
      task.task_status_id = status.id;
    }
    task.last_comment_date = now;
    task.updated_at = now;
    return new Reply(201, withCommentRelations(comment, person!));
  });

  function checkTaskAction(person: ZouPerson, task: ZouTask): void {
    const project = checkProjectAccess(person, task.project_id);
    const role = roleIn(person, project.id);
    if (role === 'admin' || role === 'manager' || role === 'supervisor') return;
    // A user of the team may comment any task of the project (Zou 1.0.67); a vendor only his own.
    if (role === 'user') return;
    if (role === 'vendor' && task.assignees.includes(person.id)) return;
    if (role === 'client' && inTeam(person, project)) return;
    throw forbidden();
  }

  /**
   * The POST answer embeds the full author (email included; departments only when a manager
   * posts) and the full status.
   */
  function withCommentRelations(comment: SimComment, caller: ZouPerson): ZouComment {
    const author = store.persons.get(comment.person_id)!;
    return {
      ...Z.comment(comment),
      task_status: Z.taskStatus(store.taskStatuses.get(comment.task_status_id)!),
      person: isManager(caller) ? Z.personFull(author) : Z.personFullWithoutDepartments(author),
    } as unknown as ZouComment;
  }

  function fullTask(task: ZouTask): ZouTaskFull {
    const entity = store.entities.get(task.entity_id)!;
    const full = {
      ...Z.task(task),
      entity: Z.entity(entity),
      entity_type: Z.entityType(store.entityTypes.get(entity.entity_type_id)!),
      project: Z.projectWithoutRelations(store.projects.get(task.project_id)!),
      task_type: Z.taskType(store.taskTypes.get(task.task_type_id)!),
      task_status: Z.taskStatus(store.taskStatuses.get(task.task_status_id)!),
      persons: task.assignees.flatMap((id) => {
        const assignee = store.persons.get(id);
        return assignee ? [Z.personFullWithoutDepartments(assignee)] : [];
      }),
      is_subscribed: false,
      type: 'Task',
    } as unknown as ZouTaskFull;
    const assigner = task.assigner_id ? store.persons.get(task.assigner_id) : undefined;
    if (assigner) full.assigner = Z.personFull(assigner) as unknown as ZouPerson;
    if (entity.parent_id && entity.type === 'Shot') {
      const sequence = store.entities.get(entity.parent_id);
      if (sequence) {
        full.sequence = Z.entity(sequence) as unknown as ZouEntity;
        const episode = sequence.parent_id ? store.entities.get(sequence.parent_id) : undefined;
        if (episode) full.episode = Z.entity(episode) as unknown as ZouEntity;
      }
    }
    return full;
  }

  // --- projects ---
  router.add('GET', '/data/projects', ({ query, person }) => {
    const visible = visibleProjectIds(person!);
    return crudList(
      'Project',
      [...store.projects.values()].filter((project) => visible.has(project.id)),
      query,
      Z.project,
    );
  });

  router.add('GET', '/data/projects/:id', ({ params, person }) => {
    find(store.projects, params.id, 'Project');
    const project = checkProjectAccess(person!, params.id);
    return {
      ...Z.project(project),
      project_status_name: store.projectStatuses.get(project.project_status_id)?.name ?? null,
    };
  });

  // The team with each member's per-project role (null: the global role applies). Managers see
  // full records, others the minimal one.
  router.add('GET', '/data/projects/:id/team', ({ params, person }) => {
    const project = checkProjectAccess(person!, find(store.projects, params.id, 'Project').id);
    return project.team.flatMap((id) => {
      const member = store.persons.get(id);
      if (!member) return [];
      const shaped = isManager(person!) ? Z.personFull(member) : Z.personMinimal(member);
      return [{ ...shaped, project_role: store.projectRoles.get(`${project.id}/${id}`) ?? null }];
    });
  });

  router.add('PUT', '/data/projects/:id/team/:personId', ({ params, body, person }) => {
    const project = find(store.projects, params.id, 'Project');
    if (!isManager(person!)) throw forbidden();
    if (!isAdmin(person!)) checkProjectAccess(person!, project.id);
    const role = (body as { role?: unknown } | null)?.role ?? null;
    if (role !== null && (typeof role !== 'string' || !PROJECT_ROLES.includes(role))) {
      throw validationError([
        {
          field: 'role',
          message: "Input should be 'user', 'supervisor', 'manager', 'client' or 'vendor'",
        },
      ]);
    }
    const member = find(store.persons, params.personId, 'Person');
    if (!project.team.includes(member.id))
      throw badRequest('Person is not a member of the project team');
    const key = `${project.id}/${member.id}`;
    if (role === null) store.projectRoles.delete(key);
    else store.projectRoles.set(key, role as ZouRole);
    return { project_id: project.id, person_id: member.id, role };
  });

  router.add('GET', '/data/projects/:id/tasks', ({ params, query, person }) => {
    find(store.projects, params.id, 'Project');
    checkProjectAccess(person!, params.id);
    let tasks = [...store.tasks.values()].filter((task) => task.project_id === params.id);
    if (query.task_type_id)
      tasks = tasks.filter((task) => task.task_type_id === query.task_type_id);
    if (query.episode_id) {
      tasks = tasks.filter((task) => {
        const entity = store.entities.get(task.entity_id);
        const sequence = entity?.parent_id ? store.entities.get(entity.parent_id) : undefined;
        return sequence?.parent_id === query.episode_id;
      });
    }
    // This route pages with Zou's fixed page size; `limit` is not read here.
    const page = intParameter(query, 'page', 0);
    return page < 1 ? sortByUpdate(tasks) : pageOf(sortByUpdate(tasks), page, DEFAULT_PAGE_SIZE);
  });

  router.add('GET', '/data/projects/:id/task-types', ({ params, person }) => {
    const project = checkProjectAccess(person!, find(store.projects, params.id, 'Project').id);
    return project.task_types.flatMap((id) => {
      const type = store.taskTypes.get(id);
      return type ? [Z.taskType(type)] : [];
    });
  });

  for (const [kind, type] of [
    ['shots', 'Shot'],
    ['assets', 'Asset'],
    ['sequences', 'Sequence'],
    ['episodes', 'Episode'],
  ] as const) {
    router.add('GET', `/data/projects/:id/${kind}`, ({ params, person }) => {
      checkProjectAccess(person!, find(store.projects, params.id, 'Project').id);
      // Zou sends the plain rows here, without the names /data/shots adds.
      return entityList(type, { project_id: params.id }).map((row) => Z.entity(row));
    });
    router.add('GET', `/data/${kind}`, ({ query, person }) => {
      if (query.project_id) {
        find(store.projects, query.project_id, 'Project');
        checkProjectAccess(person!, query.project_id);
      }
      const visible = visibleProjectIds(person!);
      return entityList(type, query).filter((entity) => visible.has(entity.project_id));
    });
    router.add('GET', `/data/${kind}/:id`, ({ params, person }) =>
      entityDetail(entityOfType(params.id, type, person!)),
    );
  }
  router.add('GET', '/data/edits/:id', ({ params, person }) =>
    entityOfType(params.id, 'Edit', person!),
  );

  router.add('GET', '/data/projects/:id/episodes/stats', ({ params, person }) => {
    checkProjectAccess(person!, find(store.projects, params.id, 'Project').id);
    return episodeStats(store, params.id);
  });

  router.add('GET', '/data/projects/:id/episodes/retake-stats', ({ params, person }) => {
    checkProjectAccess(person!, find(store.projects, params.id, 'Project').id);
    return retakeStats(store, params.id);
  });

  /** Zou's shot/asset list routes: no paging, sorted by name, with display names added. */
  function entityList(type: ZouEntity['type'], query: Query): ZouEntity[] {
    const filters = Object.entries(query).filter(([key]) =>
      ['project_id', 'parent_id', 'id'].includes(key),
    );
    const sequenceFilter = query.sequence_id ?? query.parent_id;
    return [...store.entities.values()]
      .filter(
        (entity) =>
          entity.type === type &&
          filters.every(([key, value]) => asText(entity[key as keyof ZouEntity]) === value) &&
          (!sequenceFilter || type !== 'Shot' || entity.parent_id === sequenceFilter),
      )
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((entity) => {
        const decorated: ZouEntity = {
          ...entity,
          project_name: store.projects.get(entity.project_id)?.name,
        };
        if (type === 'Shot' && entity.parent_id) {
          decorated.sequence_name = store.entities.get(entity.parent_id)?.name;
        }
        if (type === 'Asset') {
          decorated.asset_type_name = store.entityTypes.get(entity.entity_type_id)?.name;
        }
        return decorated;
      });
  }

  /** Single reads of /data/shots|assets|sequences|episodes/:id, with the extras each adds. */
  function entityDetail(entity: ZouEntity): Record<string, unknown> {
    const projectName = store.projects.get(entity.project_id)?.name ?? null;
    const tasksOf = () =>
      [...store.tasks.values()].filter((task) => task.entity_id === entity.id).map(Z.taskOfEntity);
    if (entity.type === 'Shot') {
      const sequence = entity.parent_id ? store.entities.get(entity.parent_id) : undefined;
      const episode = sequence?.parent_id ? store.entities.get(sequence.parent_id) : undefined;
      const data = entity.data ?? {};
      return {
        ...Z.entityWithLinks(entity),
        project_name: projectName,
        sequence_id: sequence?.id ?? null,
        sequence_name: sequence?.name ?? '',
        episode_id: episode?.id ?? null,
        episode_name: episode?.name ?? '',
        fps: data.fps ?? null,
        frame_in: data.frame_in ?? null,
        frame_out: data.frame_out ?? null,
        tasks: tasksOf(),
      };
    }
    if (entity.type === 'Asset') {
      const { nb_frames: _frames, source_id: source, ...rest } = Z.entityWithLinks(entity);
      return {
        ...rest,
        project_name: projectName,
        asset_type_id: entity.entity_type_id,
        asset_type_name: store.entityTypes.get(entity.entity_type_id)?.name ?? null,
        episode_id: source ?? '',
        casting_episode_ids: [],
        tasks: tasksOf(),
      };
    }
    return { ...Z.entity(entity), project_name: projectName };
  }

  // --- entities ---
  router.add('GET', '/data/entities', ({ query, person }) => {
    const visible = visibleProjectIds(person!);
    return crudList(
      'Entity',
      candidates(store.entities, query).filter((entity) => visible.has(entity.project_id)),
      query,
      (row) => Z.entity(row),
    );
  });

  router.add('GET', '/data/entities/:id', ({ params, person }) => {
    const entity = find(store.entities, params.id, 'Entity');
    checkProjectAccess(person!, entity.project_id);
    return Z.entityWithLinks(entity);
  });

  router.add('GET', '/data/entity-types', ({ query }) =>
    crudList('EntityType', [...store.entityTypes.values()], query),
  );

  // --- people and reference data ---
  // Only admins get full records (with email) from the list; managers get them one by one.
  router.add('GET', '/data/persons', ({ query, person }) =>
    crudList(
      'Person',
      candidates(store.persons, query),
      query,
      isAdmin(person!) ? Z.personFull : Z.personMinimal,
    ),
  );
  router.add('GET', '/data/persons/:id', ({ params, person }) => {
    const row = find(store.persons, params.id, 'Person');
    return isManager(person!) ? Z.personFull(row) : Z.personMinimal(row);
  });
  router.add('GET', '/data/task-types', ({ query }) =>
    crudList('TaskType', [...store.taskTypes.values()], query, Z.taskType),
  );
  router.add('GET', '/data/task-types/:id', ({ params }) =>
    find(store.taskTypes, params.id, 'Task type'),
  );
  router.add('GET', '/data/task-status', ({ query }) =>
    crudList('TaskStatus', [...store.taskStatuses.values()], query, Z.taskStatus),
  );
  router.add('GET', '/data/task-status/:id', ({ params }) =>
    find(store.taskStatuses, params.id, 'Task status'),
  );

  // --- playlists ---
  router.add('GET', '/data/playlists', ({ query, person }) => {
    if (person!.role === 'vendor') throw forbidden();
    const visible = visibleProjectIds(person!);
    const rows = [...store.playlists.values()].filter(
      (playlist) =>
        visible.has(playlist.project_id) && (person!.role !== 'client' || playlist.for_client),
    );
    return crudList('Playlist', rows, query, (row) => Z.playlist(row, false));
  });

  router.add('POST', '/data/playlists', ({ body, person }) => {
    const input = body as Record<string, unknown> | null;
    if (!input || typeof input !== 'object') {
      throw badRequest(
        'Data are empty. Please verify that you sent JSON data and that you set the right headers.',
      );
    }
    // Zou's generic POST names a missing key as Python's KeyError does.
    for (const key of ['name', 'project_id']) {
      if (input[key] === undefined || input[key] === null)
        throw new HttpError(400, { message: `'${key}'` });
    }
    if (typeof input.name !== 'string' || input.name.trim() === '')
      throw validationError([{ field: 'name', message: 'Input should be a valid string' }]);
    if (!isUuid(input.project_id)) throw badRequest('Malformed ID.');
    checkSupervisorAccess(person!, input.project_id);
    if (input.for_entity !== undefined && !PLAYLIST_FOR.includes(asText(input.for_entity))) {
      throw badRequest(`for_entity must be one of ${PLAYLIST_FOR.join(', ')}`);
    }
    const episodeId =
      input.episode_id === 'all' || input.episode_id === 'main' || !input.episode_id
        ? null
        : asText(input.episode_id);
    const taskTypeId = isUuid(input.task_type_id) ? input.task_type_id : null;
    // Zou's unique constraint is on (name, project_id, episode_id): in SQL NULL equals nothing,
    // so without an episode the same name is accepted again.
    const taken =
      episodeId !== null &&
      [...store.playlists.values()].some(
        (playlist) =>
          playlist.name === input.name &&
          playlist.project_id === input.project_id &&
          playlist.episode_id === episodeId,
      );
    if (taken)
      throw new HttpError(400, { message: 'A record with the same unique values already exists.' });
    const now = stamp();
    const playlist: ZouPlaylist = {
      id: randomUUID(),
      type: 'Playlist',
      name: input.name,
      project_id: input.project_id,
      episode_id: episodeId,
      task_type_id: taskTypeId,
      for_client: input.for_client === true,
      for_entity: (input.for_entity as ZouPlaylist['for_entity']) ?? 'shot',
      is_for_all: input.is_for_all === true,
      shots: Array.isArray(input.shots) ? (input.shots as ZouPlaylistEntry[]) : [],
      created_by: person!.id,
      created_at: now,
      updated_at: now,
    };
    store.playlists.set(playlist.id, playlist);
    return new Reply(201, Z.playlist(playlist, true));
  });

  router.add('GET', '/data/playlists/:id', ({ params, person }) => {
    const playlist = find(store.playlists, params.id, 'Playlist');
    checkProjectAccess(person!, playlist.project_id);
    if (person!.role === 'vendor') throw forbidden();
    return Z.playlist(playlist, true);
  });

  router.add('PUT', '/data/playlists/:id', ({ params, body, person }) => {
    const playlist = find(store.playlists, params.id, 'Playlist');
    checkSupervisorAccess(person!, playlist.project_id);
    const changes = { ...((body ?? {}) as Record<string, unknown>) };
    for (const key of ['id', 'created_at', 'updated_at', 'project_id', 'type']) delete changes[key];
    if (changes.shots !== undefined && !Array.isArray(changes.shots)) {
      throw badRequest('shots must be a list');
    }
    if (changes.for_entity !== undefined && !PLAYLIST_FOR.includes(asText(changes.for_entity))) {
      throw badRequest(`for_entity must be one of ${PLAYLIST_FOR.join(', ')}`);
    }
    Object.assign(playlist, changes, { updated_at: stamp() });
    if (!Array.isArray(playlist.shots)) playlist.shots = [];
    return Z.playlist(playlist, false);
  });

  router.add('DELETE', '/data/playlists/:id', ({ params, person }) => {
    const playlist = find(store.playlists, params.id, 'Playlist');
    checkSupervisorAccess(person!, playlist.project_id);
    store.playlists.delete(playlist.id);
    return new Reply(204);
  });

  if (!options.legacyPlaylists) {
    router.add('POST', '/actions/playlists/:id/add-entities', ({ params, body, person }) => {
      const entities = (body as { entities?: unknown } | null)?.entities;
      const playlist = find(store.playlists, params.id, 'Playlist');
      checkSupervisorAccess(person!, playlist.project_id);
      if (
        !Array.isArray(entities) ||
        entities.some((entry) => !isUuid((entry as ZouPlaylistEntry)?.entity_id))
      ) {
        throw validationError([{ field: 'entities', message: 'Field required' }]);
      }
      return Z.playlist(addCouples(playlist, entities as ZouPlaylistEntry[]), false);
    });

    router.add('POST', '/actions/playlists/:id/add-entity', ({ params, body, person }) => {
      const entry = body as ZouPlaylistEntry | null;
      const playlist = find(store.playlists, params.id, 'Playlist');
      checkSupervisorAccess(person!, playlist.project_id);
      if (!isUuid(entry?.entity_id)) {
        throw validationError([{ field: 'entity_id', message: 'Field required' }]);
      }
      return Z.playlist(addCouples(playlist, [entry]), false);
    });
  }

  // Generic list: any person sees the previews of their projects' tasks (vendors: assigned only).
  router.add('GET', '/data/preview-files', ({ query, person }) => {
    const visible = visibleProjectIds(person!);
    const rows = [...store.previewFiles.values()].filter((preview) => {
      const task = store.tasks.get(preview.task_id);
      return (
        task !== undefined &&
        visible.has(task.project_id) &&
        (person!.role !== 'vendor' || task.assignees.includes(person!.id))
      );
    });
    return crudList('PreviewFile', rows, query, Z.previewFile);
  });

  router.add('GET', '/data/preview-files/:id', ({ params, person }) => {
    const preview = find(store.previewFiles, params.id, 'Preview file');
    const task = store.tasks.get(preview.task_id);
    if (task) checkTaskRead(person!, task);
    const comments = [...store.comments.values()]
      .filter((comment) => comment.object_id === preview.task_id)
      .map((comment) => comment.id);
    return { ...Z.previewFile(preview), comments };
  });

  // Files: a picture of every size for every preview (Zou makes thumbnails of movies too, the
  // original picture only for pictures); movie files only for movies. The simulator serves a
  // one-pixel PNG and an empty MP4.
  for (const size of PICTURE_SIZES) {
    router.add('GET', `/pictures/${size}/preview-files/:file`, ({ params, person }) => {
      const preview = previewOfFile(params.file, 'png', person!);
      if (size === 'originals' && preview.extension !== 'png') throw notFound();
      return new Reply(200, PNG_PIXEL, 'image/png');
    });
  }
  for (const size of MOVIE_SIZES) {
    router.add('GET', `/movies/${size}/preview-files/:file`, ({ params, person }) => {
      const preview = previewOfFile(params.file, 'mp4', person!);
      if (preview.extension !== 'mp4') throw notFound();
      return new Reply(200, Buffer.alloc(0), 'video/mp4');
    });
  }

  function previewOfFile(file: string, extension: string, person: ZouPerson): SimPreviewFile {
    const id = file.endsWith(`.${extension}`) ? file.slice(0, -extension.length - 1) : '';
    const preview = isUuid(id) ? store.previewFiles.get(id.toLowerCase()) : undefined;
    if (!preview) throw notFound();
    const task = store.tasks.get(preview.task_id);
    if (task) checkTaskRead(person, task);
    return preview;
  }

  router.add('GET', '/data/playlists/entities/:id/preview-files', ({ params, person }) => {
    const entity = find(store.entities, params.id, 'Entity');
    checkProjectAccess(person!, entity.project_id);
    return previewsOf(entity.id);
  });

  /** Same couples rule as Zou: skip exact duplicates, fill a missing preview with the latest. */
  function addCouples(playlist: ZouPlaylist, entries: ZouPlaylistEntry[]): ZouPlaylist {
    const present = new Set(
      playlist.shots.map((shot) => `${shot.entity_id}|${shot.preview_file_id ?? ''}`),
    );
    let changed = false;
    for (const entry of entries) {
      const previewId =
        entry.preview_file_id ?? latestPreviewId(entry.entity_id, playlist.task_type_id);
      const key = `${entry.entity_id}|${previewId ?? ''}`;
      if (present.has(key)) continue;
      present.add(key);
      playlist.shots.push(
        previewId
          ? { entity_id: entry.entity_id, preview_file_id: previewId }
          : { entity_id: entry.entity_id },
      );
      changed = true;
    }
    if (changed) playlist.updated_at = stamp();
    return playlist;
  }

  function previewRowsOf(entityId: string): SimPreviewFile[] {
    const taskIds = new Set(
      [...store.tasks.values()]
        .filter((task) => task.entity_id === entityId)
        .map((task) => task.id),
    );
    return [...store.previewFiles.values()].filter((preview) => taskIds.has(preview.task_id));
  }

  function latestPreviewId(entityId: string, taskTypeId: string | null): string | null {
    let best: SimPreviewFile | null = null;
    for (const preview of previewRowsOf(entityId)) {
      if (taskTypeId && store.tasks.get(preview.task_id)?.task_type_id !== taskTypeId) continue;
      if (
        !best ||
        preview.revision > best.revision ||
        (preview.revision === best.revision && preview.created_at > best.created_at)
      ) {
        best = preview;
      }
    }
    return best?.id ?? null;
  }

  function previewsOf(entityId: string): ZouEntityPreviews {
    const grouped: Record<string, unknown[]> = {};
    const rows = previewRowsOf(entityId).sort(
      (a, b) => b.revision - a.revision || a.created_at.localeCompare(b.created_at),
    );
    for (const row of rows) {
      const taskTypeId = store.tasks.get(row.task_id)!.task_type_id;
      (grouped[taskTypeId] ??= []).push(Z.previewOfEntity(row));
    }
    return grouped as unknown as ZouEntityPreviews;
  }

  // --- custom actions ---
  router.add('GET', '/data/custom-actions', ({ query, person }) => {
    if (person!.role === 'vendor') throw forbidden();
    return crudList('CustomAction', [...store.customActions.values()], query, Z.customAction);
  });

  router.add('POST', '/data/custom-actions', ({ body, person }) => {
    checkAdmin(person!);
    const input = body as Record<string, unknown> | null;
    if (!input || typeof input !== 'object') throw badRequest('Data are empty.');
    if (typeof input.name !== 'string' || input.name === '') {
      throw badRequest("The 'name' field is required and cannot be None.");
    }
    const now = stamp();
    const action: ZouCustomAction = {
      id: randomUUID(),
      type: 'CustomAction',
      name: input.name,
      url: typeof input.url === 'string' ? input.url : '',
      entity_type: typeof input.entity_type === 'string' ? input.entity_type : 'all',
      is_ajax: input.is_ajax === true,
      created_at: now,
      updated_at: now,
    };
    store.customActions.set(action.id, action);
    return new Reply(201, action);
  });

  router.add('GET', '/data/custom-actions/:id', ({ params, person }) => {
    checkAdmin(person!);
    return find(store.customActions, params.id, 'Custom action');
  });

  router.add('PUT', '/data/custom-actions/:id', ({ params, body, person }) => {
    checkAdmin(person!);
    const action = find(store.customActions, params.id, 'Custom action');
    const changes = (body ?? {}) as Record<string, unknown>;
    if ('name' in changes && (changes.name === null || changes.name === '')) {
      throw badRequest("The 'name' field cannot be set to None.");
    }
    for (const key of ['name', 'url', 'entity_type'] as const) {
      if (typeof changes[key] === 'string') action[key] = changes[key];
    }
    if (typeof changes.is_ajax === 'boolean') action.is_ajax = changes.is_ajax;
    action.updated_at = stamp();
    return action;
  });

  router.add('DELETE', '/data/custom-actions/:id', ({ params, person }) => {
    checkAdmin(person!);
    const action = find(store.customActions, params.id, 'Custom action');
    store.customActions.delete(action.id);
    return new Reply(204);
  });
}

// --- Zou's generic CRUD list (crud/base.py) ---

/**
 * The rows a list starts from: only the listed ones for an `id=[...]` filter (the store is big,
 * bulk reads are frequent), all rows otherwise. crudList still applies every filter.
 */
function candidates<T>(map: Map<string, T>, query: Query): T[] {
  const raw = query.id;
  if (raw?.startsWith('[')) {
    try {
      const ids: unknown = JSON.parse(raw);
      if (Array.isArray(ids)) {
        return ids.flatMap((id) => {
          const row = typeof id === 'string' ? map.get(id.toLowerCase()) : undefined;
          return row ? [row] : [];
        });
      }
    } catch {
      // crudList reports the malformed filter
    }
  }
  return [...map.values()];
}

/**
 * Filters any column by equality (`name` case-insensitively with SQL wildcards, a value starting
 * with `[` as a JSON list), leaves out unknown names, pages when `page` is given (sorted by
 * update time), and sends collection fields only with `relations=true`.
 */
export function crudList<T extends object>(
  model: string,
  rows: T[],
  query: Query,
  present: (row: T) => object = (row) => row,
): object[] | object {
  const columns = rows.length > 0 ? new Set(Object.keys(rows[0])) : new Set<string>();
  let result = rows;
  for (const [key, raw] of Object.entries(query)) {
    if (LIST_PARAMETERS.has(key) || !columns.has(key)) continue;
    const isIdColumn = key === 'id' || key.endsWith('_id');
    let wanted: string[] | null = null;
    if (raw.startsWith('[')) {
      try {
        const parsed: unknown = JSON.parse(raw);
        if (!Array.isArray(parsed)) throw new Error('not a list');
        wanted = parsed.map((value) => asText(value).toLowerCase());
      } catch {
        throw badRequest(`Malformed list filter for field ${key}.`);
      }
    }
    const values = wanted ?? [raw.toLowerCase()];
    const malformed =
      isIdColumn || key === 'assignees' || key === 'team'
        ? values.find((value) => !UUID_PATTERN.test(value))
        : undefined;
    if (malformed !== undefined) throw badRequest(`Invalid UUID value: ${malformed}`);
    const accepted = new Set(values);
    if (key === 'name' && !wanted) {
      const pattern = likeToRegExp(raw);
      result = result.filter((row) => pattern.test(asText((row as Record<string, unknown>)[key])));
    } else {
      result = result.filter((row) => {
        const value = (row as Record<string, unknown>)[key];
        if (Array.isArray(value))
          return value.some((item) => accepted.has(asText(item).toLowerCase()));
        return value !== null && value !== undefined && accepted.has(asText(value).toLowerCase());
      });
    }
  }
  const withRelations = query.relations === 'true';
  const hidden = withRelations ? [] : (RELATION_FIELDS[model] ?? []);
  const fields = query.fields
    ? new Set(['id', 'type', ...query.fields.split(',').map((f) => f.trim())])
    : null;
  const shape = (row: T): object => {
    const presented = present(row);
    if (hidden.length === 0 && !fields) return presented;
    const copy: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(presented)) {
      if (hidden.includes(key) || (fields && !fields.has(key))) continue;
      copy[key] = value;
    }
    return copy;
  };
  const page = intParameter(query, 'page', -1);
  if (page === -1 && query.page === undefined) return result.map(shape);
  const limit = intParameter(query, 'limit', 0) || DEFAULT_PAGE_SIZE;
  const envelope = pageOf(sortByUpdate(result), page, limit);
  return { ...envelope, data: envelope.data.map(shape) };
}

/** Zou's page order: updated_at desc, created_at desc, id. Keys are read once per row. */
function sortByUpdate<T extends object>(rows: T[]): T[] {
  const keyed = rows.map((row) => {
    const record = row as Record<string, unknown>;
    return {
      row,
      updated: asText(record.updated_at),
      created: asText(record.created_at),
      id: asText(record.id),
    };
  });
  const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  keyed.sort(
    (a, b) => compare(b.updated, a.updated) || compare(b.created, a.created) || compare(a.id, b.id),
  );
  return keyed.map((entry) => entry.row);
}

function pageOf<T>(rows: T[], page: number, limit: number) {
  const total = rows.length;
  const offset = (page - 1) * limit;
  const nbPages = Math.ceil(total / limit);
  const data = page < 1 || offset > total ? [] : rows.slice(offset, offset + limit);
  return { data, total, nb_pages: nbPages, limit, offset, page };
}

function intParameter(query: Query, name: string, fallback: number): number {
  const raw = query[name];
  if (raw === undefined) return fallback;
  if (!/^-?\d+$/.test(raw.trim())) throw badRequest(`${name} must be an integer.`);
  return Number(raw);
}

function likeToRegExp(pattern: string): RegExp {
  const escaped = pattern
    .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    .replace(/%/g, '.*')
    .replace(/_/g, '.');
  return new RegExp(`^${escaped}$`, 'i');
}

/** A column value as the text a query string compares it with. */
function asText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return `${value as string | number | boolean}`;
}
