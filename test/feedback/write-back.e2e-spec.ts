import { JobViewConfig, JobViewTokens } from '../../src/jobs/job-view-token';
import request from 'supertest';
import type { ActionRegistry } from '../../src/actions/action-registry.service';
import { AppConfig } from '../../src/config/app.config';
import { ConfigError, validateEnv } from '../../src/config/validate-env';
import { JobFeedback } from '../../src/feedback/job-feedback.service';
import type { ZouClient } from '../../src/zou/zou.client';
import { FeedbackConfig } from '../../src/feedback/feedback.config';
import { startZouSimulator, type ZouSimulator } from '../../dev/simulator/zou';
import type { ZouTask } from '../../src/zou/zou.types';
import { EchoModule } from '../support/echo.action';
import { startStack, type TestStack } from '../support/stack';

/** Polls a condition with a bound instead of sleeping a fixed time. */
async function eventually<T>(read: () => T | undefined, timeoutMs = 10000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('outcome comments written back into Kitsu', () => {
  let zou: ZouSimulator;
  let tasks: ZouTask[];
  const stacks: TestStack[] = [];

  beforeAll(async () => {
    zou = await startZouSimulator({ seed: 11, size: 'small' });
    tasks = [...zou.data.tasks.values()].slice(0, 6);
  });
  afterAll(async () => {
    await Promise.all(stacks.map((s) => s.close()));
    await zou.close();
  });

  async function stackWith(env: Record<string, string> = {}): Promise<TestStack> {
    const stack = await startStack({
      env: {
        ZOU_URL: zou.url,
        ZOU_TOKEN: zou.tokens.bot,
        PUBLIC_URL: 'http://actions.studio.test',
        ...env,
      },
      extra: [EchoModule],
    });
    stacks.push(stack);
    return stack;
  }

  function commentsOn(taskId: string) {
    return [...zou.data.comments.values()].filter((c) => c.object_id === taskId);
  }

  async function run(
    stack: TestStack,
    format: 'ajax' | 'form',
    selected: ZouTask[],
    query = '',
  ): Promise<string> {
    const person = zou.data.people.supervisor;
    const ids = selected.map((t) => t.id);
    let jobId: string;
    if (format === 'ajax') {
      const res = await request(stack.url)
        .post(`/actions/echo${query}`)
        .send({
          userid: person.id,
          useremail: person.email,
          productionid: selected[0].project_id,
          originurl: '/',
          originserver: 'kitsu.test',
          selection: ids,
        })
        .expect(202);
      jobId = res.body.jobId as string;
    } else {
      const res = await request(stack.url)
        .post(`/actions/echo${query}`)
        .type('form')
        .send(
          new URLSearchParams({
            personid: person.id,
            personemail: person.email ?? '',
            projectid: selected[0].project_id,
            currentpath: '/',
            currentserver: 'kitsu.test',
            selection: ids.join(','),
          }).toString(),
        )
        .expect(303);
      jobId = res.headers.location.replace('/jobs/', '').split('?')[0];
    }
    await stack.waitForJob(jobId);
    return jobId;
  }

  it('comments on every selected task after an AJAX action, as the person, with the job link', async () => {
    const stack = await stackWith();
    const selected = tasks.slice(0, 2);
    const jobId = await run(stack, 'ajax', selected);
    for (const task of selected) {
      const [comment] = await eventually(() => {
        const found = commentsOn(task.id);
        return found.length ? found : undefined;
      });
      expect(comment.person_id).toBe(zou.data.people.supervisor.id);
      expect(comment.text).toContain('Echo (tests): ');
      expect(comment.text).toContain(`http://actions.studio.test/jobs/${jobId}`);
      // The task keeps its status.
      expect(comment.task_status_id).toBe(task.task_status_id);
    }
  });

  it('stays quiet for a successful form action but reports its final failure only', async () => {
    const stack = await stackWith();
    const [quiet, failing] = [tasks[2], tasks[3]];
    await run(stack, 'form', [quiet]);
    // fail=once fails its first attempt then succeeds: no failure comment for the retried attempt.
    await run(stack, 'form', [quiet], '?fail=once');
    const jobId = await run(stack, 'form', [failing], '?fail=permanent');
    const [comment] = await eventually(() => {
      const found = commentsOn(failing.id);
      return found.length ? found : undefined;
    });
    expect(comment.text).toContain('Echo (tests) failed: echo was told to fail');
    expect(comment.text).toContain(`/jobs/${jobId}`);
    expect(commentsOn(failing.id)).toHaveLength(1);
    // Outcomes are told in job order on one worker, so the earlier quiet jobs are past.
    expect(commentsOn(quiet.id)).toHaveLength(0);
  });

  it('follows FEEDBACK_<ACTION>: never silences even AJAX failures, always comments form successes', async () => {
    const never = await stackWith({ FEEDBACK_ECHO: 'never' });
    await run(never, 'ajax', [tasks[4]], '?fail=permanent');
    const always = await stackWith({ FEEDBACK_ECHO: 'always' });
    await run(always, 'form', [tasks[5]]);
    await eventually(() => (commentsOn(tasks[5].id).length ? true : undefined));
    expect(commentsOn(tasks[4].id)).toHaveLength(0);
  });

  it('refuses bad or unknown FEEDBACK_ variables at start-up, by name', () => {
    expect(() => FeedbackConfig.fromEnv({ FEEDBACK_ECHO: 'sometimes' })).toThrow(
      /FEEDBACK_ECHO: must be one of never, failure, always/,
    );
    expect(() => FeedbackConfig.fromEnv({ FEEDBACK_MAX_TASKS: '-1' })).toThrow(ConfigError);
    const registry = { names: () => ['echo', 'render-tracking'] } as unknown as ActionRegistry;
    const env = { FEEDBACK_ECOH: 'always', FEEDBACK_RENDER_TRACKING: 'never' };
    const feedback = new JobFeedback(
      null as unknown as ZouClient,
      registry,
      validateEnv(AppConfig, {}),
      new JobViewTokens(validateEnv(JobViewConfig, env)),
      FeedbackConfig.fromEnv(env),
      env,
    );
    expect(() => feedback.onApplicationBootstrap()).toThrow(
      /FEEDBACK_ECOH: no action of that name/,
    );
    expect(feedback.config.whenFor('render-tracking', 'ajax')).toBe('never');
  });
});
