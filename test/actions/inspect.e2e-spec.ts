// AUTHZ off: these tests feed unknown task ids to check what the worker does with them;
// intake authorization (which refuses them) is covered in test/security/authz.e2e-spec.ts.
import request from 'supertest';
import type { ZouSimulator } from '../../dev/simulator/zou';
import type { ZouTask } from '../../src/zou/zou.types';
import { startZouStack, type ZouStack } from '../support/stack';

describe('inspect action against the Zou simulator', () => {
  let zou: ZouSimulator;
  let stack: ZouStack;
  let chosen: ZouTask[];

  beforeAll(async () => {
    stack = await startZouStack(
      { seed: 7, size: 'small' },
      {
        env: { AUTHZ: 'off' },
      },
    );
    zou = stack.zou;
    const shotTasks = [...zou.data.tasks.values()].filter(
      (task) => zou.data.entities.get(task.entity_id)?.type === 'Shot',
    );
    chosen = shotTasks.slice(0, 5);
  });
  afterAll(() => stack.close());

  function expectedFor(task: ZouTask) {
    const entity = zou.data.entities.get(task.entity_id)!;
    const sequence = entity.parent_id ? zou.data.entities.get(entity.parent_id)! : null;
    const status = zou.data.taskStatuses.get(task.task_status_id)!;
    return {
      id: task.id,
      project: expect.objectContaining({
        id: task.project_id,
        name: zou.data.projects.get(task.project_id)!.name,
      }),
      entity: expect.objectContaining({ id: entity.id, name: entity.name, type: 'Shot' }),
      sequence: sequence ? { id: sequence.id, name: sequence.name } : null,
      taskType: expect.objectContaining({
        id: task.task_type_id,
        name: zou.data.taskTypes.get(task.task_type_id)!.name,
      }),
      status: expect.objectContaining({ id: status.id, shortName: status.short_name }),
      // The bot is a manager: Zou hides emails from its person list, the client reads them from
      // the project team.
      assignees: (task.assignees ?? []).map((id) =>
        expect.objectContaining({ id, email: zou.data.persons.get(id)!.email }),
      ),
    };
  }

  it('returns the same metadata for a JSON and a form request of the same selection', async () => {
    const person = zou.data.people.supervisor;
    const projectId = chosen[0].project_id;
    const json = await request(stack.url)
      .post('/actions/inspect')
      .send({
        userid: person.id,
        useremail: person.email,
        productionid: projectId,
        originurl: `/productions/${projectId}/shots/tasks`,
        originserver: 'kitsu.test',
        selection: chosen.map((t) => t.id),
        entitytype: 'shot',
      })
      .expect(202);
    const form = await request(stack.url)
      .post('/actions/inspect')
      .type('form')
      .send(
        new URLSearchParams({
          personid: person.id,
          personemail: person.email ?? '',
          projectid: projectId,
          currentpath: '/',
          currentserver: 'kitsu.test',
          selection: chosen.map((t) => t.id).join(','),
          entitytype: 'shot',
        }).toString(),
      )
      .expect(303);
    const formJobId = form.headers.location.replace('/jobs/', '');
    for (const id of [json.body.jobId as string, formJobId]) {
      await stack.waitForJob(id);
      const job = await request(stack.url).get(`/jobs/${id}`).set('Accept', 'application/json');
      expect(job.body.state).toBe('completed');
      expect(job.body.result.count).toBe(chosen.length);
      expect(job.body.result.missing).toEqual([]);
      expect(job.body.result.tasks).toEqual(
        chosen.map((t) => expect.objectContaining(expectedFor(t))),
      );
    }
  });

  it('lists tasks Zou does not know as missing', async () => {
    const person = zou.data.people.supervisor;
    const unknown = '00000000-0000-4000-8000-000000000000';
    const accepted = await request(stack.url)
      .post('/actions/inspect')
      .send({
        userid: person.id,
        useremail: person.email,
        productionid: null,
        selection: [chosen[0].id, unknown],
      })
      .expect(202);
    await stack.waitForJob(accepted.body.jobId);
    const job = await request(stack.url).get(`/jobs/${accepted.body.jobId}`);
    expect(job.body.result.missing).toEqual([unknown]);
    expect(job.body.result.summary).toMatch(/1 task\(s\) inspected, 1 not found/);
  });
});
