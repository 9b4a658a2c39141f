import { startAfanasySimulator, type AfanasySimulator } from './afanasy.simulator';
import { startDeadlineSimulator, type DeadlineSimulator } from './deadline.simulator';
import { startFlamencoSimulator, type FlamencoSimulator } from './flamenco.simulator';

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // plain text answer
  }
  return { status: response.status, body: parsed, headers: response.headers };
}

describe('Flamenco simulator', () => {
  let flamenco: FlamencoSimulator;
  let etag: string;
  const valid = () => ({
    name: 'sh020',
    type: 'simple-blender-render',
    type_etag: etag,
    priority: 50,
    submitter_platform: 'linux',
    settings: {
      frames: '1-10',
      chunk_size: 5,
      render_output_root: '/render',
      add_path_components: 0,
      render_output_path: '/render/sh020/######',
      blendfile: '/prod/sh020.blend',
      fps: 24,
      format: 'PNG',
      image_file_extension: '.png',
      scene: 'Scene',
    },
    metadata: { 'kitsu.task_id': 'x' },
  });

  beforeAll(async () => {
    flamenco = await startFlamencoSimulator();
    const types = await (await fetch(`${flamenco.url}/api/v3/jobs/types`)).json();
    etag = (types as { job_types: Array<{ name: string; etag: string }> }).job_types.find(
      (type) => type.name === 'simple-blender-render',
    )!.etag;
  });
  afterAll(async () => {
    await flamenco.close();
  });

  it('accepts a well-formed job and logs the verdict', async () => {
    const answer = await post(`${flamenco.url}/api/v3/jobs`, valid());
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ status: 'queued', steps_completed: 0, steps_total: 2 });
    expect(flamenco.submissions().at(-1)).toMatchObject({ verdict: 'accepted', status: 200 });
  });

  it.each([
    [
      'a missing name',
      (job: Record<string, unknown>) => delete job.name,
      'property "name" is missing',
    ],
    [
      'a missing priority',
      (job: Record<string, unknown>) => delete job.priority,
      'property "priority" is missing',
    ],
    [
      'a string priority',
      (job: Record<string, unknown>) => (job.priority = '50'),
      'value must be an integer',
    ],
    [
      'a priority over 100',
      (job: Record<string, unknown>) => (job.priority = 101),
      'between 0 and 100',
    ],
    [
      'a number in metadata',
      (job: Record<string, unknown>) => ((job.metadata as Record<string, unknown>).n = 1),
      '/metadata/n',
    ],
    [
      'a bad frame list',
      (job: Record<string, unknown>) =>
        ((job.settings as Record<string, unknown>).frames = '1-10-20'),
      'invalid frame range "1-10-20"',
    ],
    [
      'a reversed frame range',
      (job: Record<string, unknown>) => ((job.settings as Record<string, unknown>).frames = '10-1'),
      '10 > 1',
    ],
    [
      'an output path without #',
      (job: Record<string, unknown>) =>
        ((job.settings as Record<string, unknown>).render_output_path = '/render/sh020/frame.png'),
      'must end in #',
    ],
    [
      'a missing required setting',
      (job: Record<string, unknown>) => delete (job.settings as Record<string, unknown>).blendfile,
      'setting "blendfile" is required',
    ],
    [
      'a float chunk size',
      (job: Record<string, unknown>) =>
        ((job.settings as Record<string, unknown>).chunk_size = 2.5),
      'must be of type int32',
    ],
    [
      'a video format',
      (job: Record<string, unknown>) =>
        ((job.settings as Record<string, unknown>).format = 'FFMPEG'),
      'only renders images',
    ],
    [
      'an unknown job type',
      (job: Record<string, unknown>) => (job.type = 'nope'),
      'job type "nope" unknown',
    ],
    [
      'a blend file path with a ".." segment (safety check)',
      (job: Record<string, unknown>) =>
        ((job.settings as Record<string, unknown>).blendfile = '/prod/../../etc/x.blend'),
      'setting "blendfile" has a ".." segment',
    ],
    [
      'an output root with a ".." segment (safety check)',
      (job: Record<string, unknown>) =>
        ((job.settings as Record<string, unknown>).render_output_root = '/render/..'),
      'setting "render_output_root" has a ".." segment',
    ],
    [
      'a control character in metadata (safety check)',
      (job: Record<string, unknown>) =>
        ((job.metadata as Record<string, unknown>)['kitsu.entity'] = 'sh\n020'),
      'metadata.kitsu.entity has a control character',
    ],
  ])('answers 400 {code, message} for %s', async (_label, spoil, message) => {
    const job = valid() as Record<string, unknown>;
    spoil(job);
    const answer = await post(`${flamenco.url}/api/v3/jobs`, job);
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ code: 400, message: expect.stringContaining(message) });
    expect(flamenco.submissions().at(-1)).toMatchObject({ verdict: 'rejected' });
  });

  it('answers 412 for a stale etag and accepts a job without one', async () => {
    const stale = await post(`${flamenco.url}/api/v3/jobs`, { ...valid(), type_etag: 'old' });
    expect(stale).toMatchObject({
      status: 412,
      body: { code: 412, message: 'rejecting job, job type etag does not match' },
    });
    const { type_etag: _skip, ...withoutEtag } = valid();
    expect((await post(`${flamenco.url}/api/v3/jobs`, withoutEtag)).status).toBe(200);
  });

  it('answers 503 with Retry-After while busy, then recovers', async () => {
    flamenco.setFaults({ busy: 1, retryAfterSeconds: 4 });
    const busy = await post(`${flamenco.url}/api/v3/jobs`, valid());
    expect(busy.status).toBe(503);
    expect(busy.headers.get('retry-after')).toBe('4');
    expect((await post(`${flamenco.url}/api/v3/jobs`, valid())).status).toBe(200);
  });

  it('checks a job without storing it', async () => {
    const before = flamenco.jobs.size;
    const answer = await fetch(`${flamenco.url}/api/v3/jobs/check`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(valid()),
    });
    expect(answer.status).toBe(204);
    expect(flamenco.jobs.size).toBe(before);
  });
});

describe('Afanasy simulator', () => {
  let afanasy: AfanasySimulator;
  const job = (name = 'sh020') => ({
    job: {
      name,
      user_name: 'ada',
      blocks: [
        {
          name: 'render',
          service: 'blender',
          flags: 1,
          frame_first: 1,
          frame_last: 10,
          frames_per_task: 2,
          frames_inc: 1,
          command: 'blender -b x.blend -s @#@ -e @#@ -a',
          working_directory: '/prod',
        },
      ],
    },
  });
  const send = (message: unknown, header?: string) => {
    const body = JSON.stringify(message);
    return post(afanasy.url, body, {
      AFANASY: header ?? String(Buffer.byteLength(body, 'utf8')),
    });
  };

  beforeAll(async () => {
    afanasy = await startAfanasySimulator();
  });
  afterAll(async () => {
    await afanasy.close();
  });

  it('registers a valid job and answers its id and serial', async () => {
    const answer = await send(job());
    expect(answer.body).toEqual({ id: expect.any(Number), serial: expect.any(Number) });
    const id = (answer.body as { id: number }).id;
    expect(afanasy.jobs.get(id)).toMatchObject({ state: ' RDY', blocks: [{ tasks_num: 5 }] });
  });

  it('records the arguments a render node shell would run', async () => {
    const command = "blender -b '/prod/Forest Tales/sh 010 $(id).blend' -s @#@ -e @#@";
    const answer = await send({
      job: { ...job().job, blocks: [{ ...job().job.blocks[0], command }] },
    });
    const { id } = answer.body as { id: number };
    expect(afanasy.jobs.get(id)!.blocks[0].argv).toEqual([
      'blender',
      '-b',
      '/prod/Forest Tales/sh 010 $(id).blend',
      '-s',
      '@#@',
      '-e',
      '@#@',
    ]);
  });

  it('refuses a length header that counts characters instead of bytes', async () => {
    const message = job('Scène éclairée');
    const answer = await send(message, String(JSON.stringify(message).length));
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ error: expect.stringContaining('AFANASY header says') });
    expect(afanasy.log.at(-1)).toMatchObject({ verdict: 'rejected' });
  });

  it('refuses a request without the AFANASY header or with a bad one', async () => {
    expect((await post(afanasy.url, job())).body).toEqual({
      error: 'HTTP POST request was not recognized: no AFANASY header',
    });
    expect((await send(job(), 'many')).body).toEqual({
      error: 'HTTP POST request has a bad AFANASY header.',
    });
  });

  it.each([
    ['no user name', { user_name: '' }, 'User name is empty'],
    ['no blocks', { blocks: [] }, 'Blocks array has zero size.'],
    [
      'a block without tasks',
      { blocks: [{ name: 'b', service: 'blender' }] },
      "Block 'b'[0]: Zero tasks number.",
    ],
    [
      'a numeric block without @#@',
      { blocks: [{ ...job().job.blocks[0], command: 'blender -a' }] },
      'no @#@',
    ],
    [
      'a reversed range',
      { blocks: [{ ...job().job.blocks[0], frame_first: 9, frame_last: 2 }] },
      'frame_last < frame_first',
    ],
    [
      'a string frame',
      { blocks: [{ ...job().job.blocks[0], frame_first: '1' }] },
      'frame_first must be an integer',
    ],
    [
      'a command a shell cannot split',
      { blocks: [{ ...job().job.blocks[0], command: 'blender -b "x.blend -s @#@' }] },
      'command is not valid shell (a double quote is never closed)',
    ],
    [
      'a command that would run a second program (safety check)',
      {
        blocks: [{ ...job().job.blocks[0], command: 'blender -b "x"; id > pwned; echo "" -s @#@' }],
      },
      'the command has unquoted shell syntax ; >',
    ],
    [
      'a working directory with a ".." segment (safety check)',
      { blocks: [{ ...job().job.blocks[0], working_directory: '/prod/../..' }] },
      'working_directory has a ".." segment',
    ],
    ['a control character in the name (safety check)', { name: 'sh\r020' }, 'name has a control'],
  ])('answers {"id":0,"error"} for %s', async (_label, change, message) => {
    const answer = await send({ job: { ...job().job, ...change } });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ id: 0, serial: 0, error: expect.stringContaining(message) });
  });

  it('moves jobs through states and reports them as afserver does', async () => {
    const { id } = (await send(job())).body as { id: number };
    afanasy.advance(id, 'active', 50);
    const got = await send({ get: { type: 'jobs', ids: [id], mode: 'full' } });
    expect(got.body).toMatchObject({
      jobs: [{ id, st: 3, state: ' RDY RUN', blocks: [{ p_percentage: 50, p_tasks_done: 2 }] }],
    });
    const deleted = await send({
      action: {
        type: 'jobs',
        ids: [id],
        operation: { type: 'delete' },
        user_name: 'a',
        host_name: 'h',
      },
    });
    expect(deleted.body).toEqual({ info: { kind: 'log', text: 'Action processed.' } });
    expect(afanasy.jobs.has(id)).toBe(false);
    const anonymous = await send({
      action: { type: 'jobs', ids: [id], operation: { type: 'delete' } },
    });
    expect(anonymous.body).toEqual({
      info: { kind: 'error', text: 'Action should have a not empty "user_name" string.' },
    });
  });
});

describe('Deadline simulator', () => {
  let deadline: DeadlineSimulator;
  const job = () => ({
    JobInfo: { Plugin: 'Blender', Name: 'sh020', Frames: '1-100', ChunkSize: '10' },
    PluginInfo: { SceneFile: '/prod/sh020.blend' },
    AuxFiles: [],
  });

  beforeAll(async () => {
    deadline = await startDeadlineSimulator();
  });
  afterAll(async () => {
    await deadline.close();
  });

  it('stores a valid job and answers it with its _id', async () => {
    const answer = await post(`${deadline.url}/api/jobs`, job());
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      _id: expect.stringMatching(/^[0-9a-f]{24}$/),
      Stat: 1,
      QueuedChunks: 10,
    });
  });

  it.each([
    [
      'without Plugin',
      (body: Record<string, Record<string, unknown>>) => delete body.JobInfo.Plugin,
      'must specify a Plugin',
    ],
    [
      'without AuxFiles',
      (body: Record<string, unknown>) => delete body.AuxFiles,
      'AuxFiles was not provided',
    ],
    [
      'without PluginInfo',
      (body: Record<string, unknown>) => delete body.PluginInfo,
      'PluginInfo was not provided',
    ],
    [
      'with a bad frame list',
      (body: Record<string, Record<string, unknown>>) => (body.JobInfo.Frames = 'all'),
      'Invalid frame list',
    ],
    [
      'with a zero chunk size',
      (body: Record<string, Record<string, unknown>>) => (body.JobInfo.ChunkSize = 0),
      'ChunkSize',
    ],
    [
      'with a bad extra info',
      (body: Record<string, Record<string, unknown>>) =>
        (body.JobInfo.ExtraInfoKeyValue0 = 'novalue'),
      'ExtraInfoKeyValue0',
    ],
    [
      'with a line break in a job info value',
      (body: Record<string, Record<string, unknown>>) =>
        (body.JobInfo.Name = 'sh020\nPlugin=CommandLine'),
      'JobInfo.Name has a control character (job info is one key=value per line)',
    ],
    [
      'with a scene path with a ".." segment (safety check)',
      (body: Record<string, Record<string, unknown>>) =>
        (body.PluginInfo.SceneFile = '/prod/../../x.blend'),
      'PluginInfo.SceneFile has a ".." segment',
    ],
  ])('answers 400 with text %s', async (_label, spoil, message) => {
    const body = job();
    (spoil as (value: unknown) => void)(body);
    const answer = await post(`${deadline.url}/api/jobs`, body);
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual(expect.stringContaining(message));
    expect(deadline.submissions().at(-1)).toMatchObject({ verdict: 'rejected' });
  });

  it('lists jobs by id with the Stat and chunk counts a state change sets', async () => {
    const { _id } = (await post(`${deadline.url}/api/jobs`, job())).body as { _id: string };
    deadline.advance(_id, 'active', 40);
    const list = await (await fetch(`${deadline.url}/api/jobs?JobID=${_id}`)).json();
    expect(list).toEqual([
      expect.objectContaining({
        _id,
        Stat: 1,
        CompletedChunks: 4,
        RenderingChunks: 1,
        QueuedChunks: 5,
      }),
    ]);
    expect(() => deadline.advance(_id, 'canceled')).toThrow(/no canceled state/);
  });
});
