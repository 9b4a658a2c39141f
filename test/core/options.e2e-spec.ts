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
  DateOption,
  MultiSelectOption,
  NumberOption,
  SelectOption,
  TextAreaOption,
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
  interface ActionJobMap {
    briefer: Record<never, never>;
  }
  interface ActionResultMap {
    briefer: { options: OptionValues | undefined };
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

class BrieferOptions {
  @TextAreaOption({ label: 'Brief', hint: 'Several lines.', maxLength: 200 })
  brief!: string;
  @MultiSelectOption({
    label: 'Departments',
    choices: [
      { value: 'anim', label: 'Animation' },
      { value: 'light', label: 'Lighting' },
      { value: 'comp', label: 'Compositing' },
    ],
    minCount: 1,
  })
  departments!: string[];
  @MultiSelectOption({
    label: 'Reviewers',
    display: 'list',
    choices: [
      { value: 'ana', label: 'Ana' },
      { value: 'ben', label: 'Ben' },
    ],
    maxCount: 1,
  })
  reviewers!: string[];
  @DateOption({ label: 'Due', minDate: '2026-01-01', maxDate: '2030-12-31' })
  due!: string;
}

/** A test action with the textarea, multi-select and date fields; answers its options. */
@KitsuAction({
  name: 'briefer',
  label: 'Briefer (tests)',
  description: 'Answers its options',
  queue: 'custom',
  entityTypes: 'all',
  ajax: true,
})
class BrieferAction implements ActionHandler<'briefer'> {
  readonly options: ActionOptionsDeclaration<BrieferOptions> = {
    schema: BrieferOptions,
    defaults: () =>
      Promise.resolve({ brief: '', departments: ['anim'], reviewers: [], due: '2026-06-30' }),
  };

  handle(job: JobOf<'briefer'>): Promise<{ options: OptionValues | undefined }> {
    return Promise.resolve({ options: job.data.options });
  }
}

@Module({ providers: [AskerAction, BrieferAction] })
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

  it('takes options in the query too (options.<name>=…), checked the same way', async () => {
    const inQuery = (query: string, options?: unknown) =>
      request(stack.url)
        .post(`/actions/asker?${query}`)
        .send({
          userid: randomUUID(),
          useremail: 'ana@studio.test',
          selection: [randomUUID()],
          ...(options === undefined ? {} : { options }),
        });
    const answer = await inQuery('options.copies=4&options.loud=true&options.size=hd').expect(202);
    const job = await outcome(answer.body.statusUrl as string);
    // Text from the URL becomes the number and the yes the fields want.
    expect(job.result.options).toEqual({ note: 'ana', copies: 4, size: 'hd', loud: true });
    const refused = await inQuery('options.copies=4%3B%20reboot&options.colour=red').expect(400);
    expect(refused.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'options.colour',
      'options.copies',
    ]);
    const both = await inQuery('options.copies=4', { copies: 5 }).expect(400);
    expect(both.body.errors).toEqual([
      {
        field: 'options',
        reason: 'give options in the JSON body or in the query (options.<name>=…), not both',
      },
    ]);
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

  describe('textarea, multi-select and date fields', () => {
    const brief = (body: object, accept = 'application/json') =>
      request(stack.url)
        .post('/actions/briefer')
        .set('Accept', accept)
        .send({
          userid: randomUUID(),
          useremail: 'ana@studio.test',
          selection: [randomUUID()],
          ...body,
        });

    async function view(jobId: string) {
      await stack.waitForJob(jobId);
      return request(stack.url).get(`/jobs/${jobId}`).set('Accept', 'application/json');
    }

    it('takes them as JSON (a list for a multi-select) and shows them on the job', async () => {
      const answer = await brief({
        options: {
          brief: 'Hero shots first.\nThen the crowd.',
          departments: ['comp', 'light'],
          due: '2026-03-31',
        },
      }).expect(202);
      const job = await view(answer.body.jobId as string);
      expect(job.body.result.options).toEqual({
        brief: 'Hero shots first.\nThen the crowd.',
        departments: ['light', 'comp'],
        reviewers: [],
        due: '2026-03-31',
      });
      expect(job.body.options).toContainEqual({
        name: 'departments',
        label: 'Departments',
        value: ['light', 'comp'],
        valueLabel: 'Lighting, Compositing',
      });
      const page = await request(stack.url)
        .get(`/jobs/${answer.body.jobId as string}`)
        .set('Accept', 'text/html');
      expect(page.text).toContain('<dd>Hero shots first.<br>Then the crowd.</dd>');
      expect(page.text).toContain(
        '<div data-option="departments"><dt>Departments</dt><dd>Lighting, Compositing</dd></div>',
      );
      expect(page.text).toContain('<div data-option="due"><dt>Due</dt><dd>2026-03-31</dd></div>');
    });

    it('refuses bad values with a 400 naming each field', async () => {
      const answer = await brief({
        options: {
          brief: 'tab\there',
          departments: 'anim',
          reviewers: ['ana', 'ben'],
          due: '2026-02-30',
        },
      }).expect(400);
      const byField = Object.fromEntries(
        (answer.body.errors as Array<{ field: string; reason: string }>).map((e) => [
          e.field,
          e.reason,
        ]),
      );
      expect(byField).toEqual({
        'options.brief':
          'must not contain control characters other than line breaks (tabs, escapes)',
        'options.departments': expect.stringContaining('must be a list of values'),
        'options.reviewers': 'takes at most one value',
        'options.due': 'must be a date written YYYY-MM-DD, e.g. 2026-03-31',
      });
    });

    it('renders them on the options page and parses the browser form post, keeping what was typed on a 422', async () => {
      // A browser's form-mode click parks and lands on the options page.
      const click = await request(stack.url)
        .post('/actions/briefer')
        .set({ Accept: 'text/html', Origin: new URL(stack.url).origin })
        .type('form')
        .send({ personid: randomUUID(), personemail: 'ana@studio.test', selection: randomUUID() })
        .redirects(0)
        .expect(303);
      const location = String(click.headers.location);
      expect(location).toMatch(/^\/options\//);
      const cookie = ([] as string[])
        .concat(click.headers['set-cookie'] ?? [])
        .map((c) => c.split(';')[0])
        .find((c) => c.startsWith('ka_options='))!;
      const form = await request(stack.url)
        .get(location)
        .set({ cookie, Accept: 'text/html' })
        .expect(200);
      expect(form.text).toContain(
        '<textarea id="option-brief" name="brief" rows="4" maxlength="200"',
      );
      expect(form.text).toMatch(
        /<fieldset class="field" data-field="departments" id="option-departments"[^>]*><legend>Departments<\/legend>/,
      );
      expect(form.text).toContain(
        '<input type="checkbox" id="option-departments-0" name="departments" value="anim" checked> Animation',
      );
      expect(form.text).toContain(
        '<select multiple id="option-reviewers" name="reviewers" size="2"',
      );
      expect(form.text).toContain(
        '<input type="date" id="option-due" name="due" value="2026-06-30" min="2026-01-01" max="2030-12-31" required',
      );

      const post = (body: string) =>
        request(stack.url)
          .post(location)
          .set({ cookie, Accept: 'text/html', Origin: new URL(stack.url).origin })
          .type('form')
          .send(body)
          .redirects(0);
      // Nothing ticked, a bad day and a tab: 422, each reason beside its field, what was typed kept.
      const refused = await post('brief=Line+one%0D%0ALine%09two&due=2026-02-30').expect(422);
      expect(refused.text).toContain(
        'id="option-departments-error" data-field="departments">Departments needs at least one value</p>',
      );
      expect(refused.text).toContain(
        'id="option-due-error" data-field="due">Due must be a date written YYYY-MM-DD',
      );
      expect(refused.text).toContain('id="option-brief-error"');
      expect(refused.text).toContain('>Line one\r\nLine\ttwo</textarea>');
      expect(refused.text).toContain('value="2026-02-30"');
      expect(refused.text).not.toContain('value="anim" checked');

      const ran = await post(
        'brief=Line+one%0D%0ALine+two&departments=light&departments=anim&reviewers=ben&due=2026-04-01',
      ).expect(303);
      const jobId = String(ran.headers.location).split('/')[2].split('?')[0];
      const job = await view(jobId);
      expect(job.body.result.options).toEqual({
        brief: 'Line one\nLine two',
        departments: ['anim', 'light'],
        reviewers: ['ben'],
        due: '2026-04-01',
      });
    });
  });
});
