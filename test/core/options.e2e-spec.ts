import { randomUUID } from 'node:crypto';
import { Module } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import request from 'supertest';
import { KitsuAction } from '../../src/actions/action.decorator';
import type {
  ActionHandler,
  ActionOptionsDeclaration,
  JobOf,
  OptionValues,
} from '../../src/actions/action.types';
import {
  BooleanOption,
  NumberOption,
  SelectOption,
  TextOption,
} from '../../src/actions/option-fields';
import { JobQueues } from '../../src/queues/job-queues.service';
import { startStack, type TestStack } from '../support/stack';

declare module '../../src/actions/action.types' {
  interface ActionJobMap {
    asker: Record<never, never>;
  }
  interface ActionResultMap {
    asker: { options: OptionValues | undefined };
  }
}

class AskerOptions {
  @TextOption({ label: 'Note', maxLength: 20 })
  note!: string;
  @NumberOption({ label: 'Copies', min: 1, max: 10 })
  copies!: number;
  @SelectOption({
    label: 'Size',
    choices: [
      { value: 'hd', label: 'HD' },
      { value: '4k', label: '4K' },
    ],
  })
  size!: string;
  @BooleanOption({ label: 'Loud' })
  loud!: boolean;
}

/** Fails for good while `failing` is set; otherwise answers the options it ran with. */
const behaviour = { failing: false };

/** A test action that asks: its defaults take the person's email from the selection. */
@KitsuAction({
  name: 'asker',
  label: 'Asker (tests)',
  description: 'Answers its options',
  queue: 'custom',
  entityTypes: 'all',
  ajax: true,
})
class AskerAction implements ActionHandler<'asker'> {
  readonly options: ActionOptionsDeclaration<AskerOptions> = {
    schema: AskerOptions,
    defaults: ({ request: click }) =>
      Promise.resolve({
        note: click.personEmail.split('@')[0],
        copies: 1,
        size: 'hd',
        loud: false,
      }),
  };

  handle(job: JobOf<'asker'>): Promise<{ options: OptionValues | undefined }> {
    if (behaviour.failing) throw new UnrecoverableError('asker was told to fail');
    return Promise.resolve({ options: job.data.options });
  }
}

@Module({ providers: [AskerAction] })
class AskerModule {}

describe('action options', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack({ extra: [AskerModule] });
  });
  afterAll(async () => {
    await stack?.close();
  });

  const click = (options?: unknown) =>
    request(stack.url)
      .post('/actions/asker')
      .send({
        userid: randomUUID(),
        useremail: 'ana@studio.test',
        selection: [randomUUID()],
        ...(options === undefined ? {} : { options }),
      });

  async function outcome(statusUrl: string) {
    const path = new URL(statusUrl).pathname + new URL(statusUrl).search;
    await stack.waitForJob(path.split('/')[2]);
    return (await request(stack.url).get(path).set('Accept', 'application/json').expect(200))
      .body as { state: string; result: { options: OptionValues }; failedReason: string | null };
  }

  it('runs an AJAX click with the defaults, which may come from the click', async () => {
    const answer = await click().expect(202);
    const job = await outcome(answer.body.statusUrl as string);
    expect(job.result.options).toEqual({ note: 'ana', copies: 1, size: 'hd', loud: false });
  });

  it("takes a script's options over the defaults, and a retry runs with them again", async () => {
    behaviour.failing = true;
    const answer = await click({ copies: 7, loud: true }).expect(202);
    const statusUrl = answer.body.statusUrl as string;
    expect((await outcome(statusUrl)).state).toBe('failed');
    behaviour.failing = false;
    const path = new URL(statusUrl).pathname;
    await request(stack.url)
      .post(`${path}/retry${new URL(statusUrl).search}`)
      .set('Accept', 'application/json')
      .expect(202);
    await stack.waitForJob(path.split('/')[2]);
    const view = await request(stack.url)
      .get(`${path}${new URL(statusUrl).search}`)
      .set('Accept', 'application/json');
    expect(view.body.state).toBe('completed');
    expect(view.body.result.options).toEqual({ note: 'ana', copies: 7, size: 'hd', loud: true });
    // The job page shows them with their labels.
    const page = await request(stack.url)
      .get(`${path}${new URL(statusUrl).search}`)
      .set('Accept', 'text/html');
    expect(page.text).toContain('<div data-option="copies"><dt>Copies</dt><dd>7</dd></div>');
    expect(page.text).toContain('<div data-option="loud"><dt>Loud</dt><dd>yes</dd></div>');
  });

  it('names each bad option in a 400, and an action without options refuses any', async () => {
    const answer = await click({ copies: '3; echo', size: '8k', colour: 'red' }).expect(400);
    expect(answer.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'options.colour',
      'options.copies',
      'options.size',
    ]);
    const none = await request(stack.url)
      .post('/actions/inspect')
      .send({ userid: randomUUID(), useremail: 'a@b.test', selection: [randomUUID()], options: {} })
      .expect(400);
    expect(none.body.errors).toEqual([
      { field: 'options', reason: 'action "inspect" takes no options' },
    ]);
  });

  it('lets no tampered option reach the work: the worker checks stored options again', async () => {
    const queues = stack.app.get(JobQueues);
    const { jobId } = await queues.enqueue('asker', {
      action: 'asker',
      variant: '',
      request: {
        personId: randomUUID(),
        personEmail: 'ana@studio.test',
        projectId: null,
        originPath: '',
        originServer: '',
        taskIds: [randomUUID()],
        entityType: null,
        format: 'ajax',
      },
      params: {},
      requestId: 'tampered',
      requestedAt: new Date().toISOString(),
      options: { note: 'x', copies: '2 && reboot', size: 'hd', loud: false },
    });
    await stack.waitForJob(jobId);
    const view = await request(stack.url).get(`/jobs/${jobId}`).set('Accept', 'application/json');
    expect(view.body.state).toBe('failed');
    expect(view.body.failedReason).toMatch(/^options refused: copies must be a whole number/);
  });
});
