import request from 'supertest';
import { QueueEvents } from 'bullmq';
import { JobQueues } from '../../src/queues/job-queues.service';
import type { ZouSimulator } from '../../dev/simulator/zou';
import type { ZouTask } from '../../src/zou/zou.types';
import { startZouStack, type ZouStack } from '../support/stack';

/**
 * Issue 3: Kitsu ignores the answer to an AJAX click, so a person refused at intake learns why
 * from a comment on the first selected task they can see, written by the worker (the intake only
 * enqueues), at most once per person and action per 10 minutes.
 */
describe('refusal notices for AJAX clicks refused at intake', () => {
  let zou: ZouSimulator;
  let stack: ZouStack;
  let events: QueueEvents;
  let tasks: ZouTask[];

  beforeAll(async () => {
    // AUTH_MODE=none (the test default) takes the person the request names; authz is on (ZOU_URL).
    stack = await startZouStack({ seed: 31, size: 'small' });
    zou = stack.zou;
    events = new QueueEvents('notices', {
      connection: { url: stack.env.REDIS_URL },
      prefix: stack.env.QUEUE_PREFIX,
    });
    await events.waitUntilReady();
    const project = zou.data.projectIds.tvShow;
    tasks = [...zou.data.tasks.values()].filter((t) => t.project_id === project).slice(0, 6);
  });
  afterAll(async () => {
    await events.close();
    await stack.close();
  });

  const notices = () => stack.app.get(JobQueues).get('notices');

  async function noticeJobs() {
    return notices().getJobs(['waiting', 'active', 'delayed', 'completed', 'failed']);
  }

  function commentsOn(taskId: string) {
    return [...zou.data.comments.values()].filter((c) => c.object_id === taskId);
  }

  function click(
    action: string,
    who: keyof ZouSimulator['data']['people'],
    selection: ZouTask[],
    format: 'ajax' | 'form' = 'ajax',
  ) {
    const person = zou.data.people[who];
    if (format === 'form')
      return request(stack.url)
        .post(`/actions/${action}`)
        .type('form')
        .send(
          new URLSearchParams({
            personid: person.id,
            personemail: person.email ?? '',
            projectid: selection[0].project_id,
            currentpath: '/',
            currentserver: 'kitsu.test',
            selection: selection.map((t) => t.id).join(','),
          }).toString(),
        );
    return request(stack.url)
      .post(`/actions/${action}`)
      .send({
        userid: person.id,
        useremail: person.email,
        productionid: selection[0].project_id,
        selection: selection.map((t) => t.id),
      });
  }

  it('tells a refused artist why, once per action per window, on the first task they can see', async () => {
    const [first, second] = tasks;
    const before = [commentsOn(first.id).length, commentsOn(second.id).length];
    const refused = await click('playlist', 'artist', [first, second]).expect(403);
    expect(refused.body.rule).toBe('action-role');
    // The intake has enqueued the notice before answering.
    const [job] = await noticeJobs();
    expect(job).toBeDefined();
    await job.waitUntilFinished(events);
    const written = commentsOn(first.id).slice(before[0]);
    expect(written).toHaveLength(1);
    expect(written[0].text).toContain(zou.data.people.artist.full_name);
    expect(written[0].text).toContain('"Build review playlist" was not run');
    expect(written[0].text).toContain('may not run playlist');
    // Posted by the service account (a comment in their own name would not notify them),
    // keeping the task's status.
    expect(written[0].person_id).toBe(zou.data.people.bot.id);
    expect(written[0].task_status_id).toBe(zou.data.tasks.get(first.id)!.task_status_id);
    expect(commentsOn(second.id)).toHaveLength(before[1]);

    // Clicking again within the window: refused, nothing more queued or written.
    for (let i = 0; i < 3; i++) await click('playlist', 'artist', [first, second]).expect(403);
    expect(await noticeJobs()).toHaveLength(1);
    expect(commentsOn(first.id).slice(before[0])).toHaveLength(1);
  });

  it('writes nothing for form clicks (the 403 page says it), unknown people or unseen tasks', async () => {
    const already = (await noticeJobs()).length;
    // A form click opens a tab that shows the refusal itself.
    await click('playlist', 'vendor', [tasks[2]], 'form').expect(403);
    // Nobody identified: an unknown person id.
    await request(stack.url)
      .post('/actions/inspect')
      .send({
        userid: '0f0f0f0f-0000-4000-8000-00000000abcd',
        useremail: 'nobody@example.com',
        productionid: tasks[2].project_id,
        selection: [tasks[2].id],
      })
      .expect(403);
    expect(await noticeJobs()).toHaveLength(already);

    // Someone outside the project: the notice job runs but no task is visible to them.
    const before = commentsOn(tasks[3].id).length;
    const refused = await click('inspect', 'outsider', [tasks[3]]).expect(403);
    expect(refused.body.rule).toBe('project-membership');
    const jobs = await noticeJobs();
    expect(jobs).toHaveLength(already + 1);
    const job = jobs.find((j) => j.data.request.personId === zou.data.people.outsider.id)!;
    const result = (await job.waitUntilFinished(events)) as { taskId: string | null };
    expect(result.taskId).toBeNull();
    expect(commentsOn(tasks[3].id)).toHaveLength(before);
  });
});
