// AUTHZ off: these tests feed unknown task ids to check what the worker does with them;
// intake authorization (which refuses them) is covered in test/security/authz.e2e-spec.ts.
import request from 'supertest';
import type { ZouSimulator } from '../../dev/simulator/zou';
import { startZouStack, type ZouStack } from '../support/stack';

describe('notify (the worked example of a studio action) against the Zou simulator', () => {
  let zou: ZouSimulator;
  let stack: ZouStack;

  beforeAll(async () => {
    stack = await startZouStack(
      { seed: 5, size: 'small' },
      {
        env: { AUTHZ: 'off', FEEDBACK_NOTIFY: 'never' },
      },
    );
    zou = stack.zou;
  });
  afterAll(() => stack.close());

  it('comments once on each task, credited to the person, keeping each status', async () => {
    const person = zou.data.people.supervisor;
    const projectId = zou.data.projectIds.tvShow;
    const tasks = [...zou.data.tasks.values()]
      .filter((t) => t.project_id === projectId)
      .slice(0, 3);
    const statusesBefore = tasks.map((t) => zou.data.tasks.get(t.id)!.task_status_id);
    const accepted = await request(stack.url)
      .post('/actions/notify?text=Lighting%20notes%20ready')
      .send({
        userid: person.id,
        useremail: person.email,
        productionid: projectId,
        selection: tasks.map((t) => t.id),
      })
      .expect(202);
    await stack.waitForJob(accepted.body.jobId);
    const job = await request(stack.url).get(`/jobs/${accepted.body.jobId}`);
    expect(job.body.state).toBe('completed');
    expect(job.body.result.commented).toEqual(tasks.map((t) => t.id));
    // Names for the job page's Selection panel, read once the comments are posted.
    expect(job.body.result.text).toBe('Lighting notes ready');
    expect(
      (job.body.selection as Array<{ taskId: string; entity: { name: string } }>).map((item) => [
        item.taskId,
        item.entity.name,
      ]),
    ).toEqual(tasks.map((t) => [t.id, zou.data.entities.get(t.entity_id)!.name]));
    for (const [index, task] of tasks.entries()) {
      const comments = [...zou.data.comments.values()].filter((c) => c.object_id === task.id);
      expect(comments).toHaveLength(1);
      expect(comments[0]).toMatchObject({ person_id: person.id, text: 'Lighting notes ready' });
      expect(zou.data.tasks.get(task.id)!.task_status_id).toBe(statusesBefore[index]);
    }
  });

  it('fails at once with the reason when Kitsu refuses (task of an unknown id)', async () => {
    const person = zou.data.people.supervisor;
    const accepted = await request(stack.url)
      .post('/actions/notify')
      .send({
        userid: person.id,
        useremail: person.email,
        selection: ['00000000-0000-4000-8000-000000000001'],
      })
      .expect(202);
    await stack.waitForJob(accepted.body.jobId);
    const job = await request(stack.url).get(`/jobs/${accepted.body.jobId}`);
    expect(job.body.state).toBe('failed');
    expect(job.body.attempts).toBe(1);
    expect(job.body.failedReason).toMatch(/Kitsu refused/);
  });
});
