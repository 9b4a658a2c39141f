import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { publishPreview, type ZouSimulator } from '../../dev/simulator/zou';
import type { ZouTask } from '../../src/zou/zou.types';
import { startZouStack, type ZouStack } from '../support/stack';

const LAUNCHERS = readFileSync(join(__dirname, '../../config/launchers.example.json'), 'utf8');

describe('launch action against the Zou simulator', () => {
  let zou: ZouSimulator;
  let stack: ZouStack;
  let shots: ZouTask[];

  beforeAll(async () => {
    stack = await startZouStack(
      { seed: 11, size: 'small' },
      {
        env: {
          LAUNCHERS,
          KITSU_URL: 'https://kitsu.test/',
        },
      },
    );
    zou = stack.zou;
    shots = [...zou.data.tasks.values()]
      .filter((task) => zou.data.entities.get(task.entity_id)?.type === 'Shot')
      .slice(0, 3);
  });
  afterAll(() => stack.close());

  async function launch(launcher: string, tasks: ZouTask[]) {
    const person = zou.data.people.supervisor;
    const accepted = await request(stack.url)
      .post(`/actions/launch/${launcher}`)
      .send({
        userid: person.id,
        useremail: person.email,
        productionid: tasks[0].project_id,
        selection: tasks.map((t) => t.id),
        entitytype: 'shot',
      })
      .expect(202);
    await stack.waitForJob(accepted.body.jobId);
    const job = await request(stack.url)
      .get(`/jobs/${accepted.body.jobId}`)
      .set('Accept', 'application/json');
    return job.body as {
      state: string;
      result: Record<string, unknown>;
      failedReason: string;
      selection: Array<{ taskId: string }> | null;
    };
  }

  it('refuses a launcher that is not configured', async () => {
    await request(stack.url).post('/actions/launch/nope').send({}).expect(404);
  });

  it('kabaret: one URL per shot with the names from Kitsu', async () => {
    const job = await launch('kabaret', shots);
    expect(job.state).toBe('completed');
    const urls = job.result.urls as string[];
    expect(urls).toHaveLength(shots.length);
    const first = new URL(urls[0]);
    const entity = zou.data.entities.get(shots[0].entity_id)!;
    expect(first.protocol).toBe('kabaret:');
    expect(first.searchParams.get('shot')).toBe(entity.name);
    expect(first.searchParams.get('project')).toBe(
      zou.data.projects.get(shots[0].project_id)!.name,
    );
    // A desktop tool's link leaves the job page in place: the first opens by itself.
    expect(job.result.openUrl).toBe(urls[0]);
    expect(job.selection?.map((item) => item.taskId)).toEqual(shots.map((t) => t.id));
  });

  it('rv: a baked rvlink whose previews follow their kind (movie or picture)', async () => {
    const [movieTask, pictureTask] = shots.slice(0, 2);
    publishPreview(zou.data, movieTask, { extension: 'mp4' });
    const picture = publishPreview(zou.data, pictureTask, { extension: 'png' });
    const job = await launch('rv', [movieTask, pictureTask]);
    expect(job.state).toBe('completed');
    const [url] = job.result.urls as string[];
    expect(url).toMatch(/^rvlink:\/\/baked\/[0-9a-f]+$/);
    const commandLine = Buffer.from(url.slice('rvlink://baked/'.length), 'hex').toString();
    expect(commandLine).toBe(
      ' -l -play' +
        ` https://kitsu.test/api/movies/originals/preview-files/${movieTask.last_preview_file_id}.mp4` +
        ` https://kitsu.test/api/pictures/originals/preview-files/${picture.id}.png`,
    );
    // The links are the files Zou serves (with a token) for those previews.
    const file = await fetch(`${zou.url}/pictures/originals/preview-files/${picture.id}.png`, {
      headers: { Authorization: `Bearer ${zou.tokens.bot}` },
    });
    expect([file.status, file.headers.get('content-type')]).toEqual([200, 'image/png']);
  });

  it('wiki: links into the page with the task id', async () => {
    const job = await launch('wiki', shots.slice(0, 1));
    expect(job.result.urls).toEqual([expect.stringMatching(/^https:\/\/wiki\.studio\.example\//)]);
    expect(job.result.summary).toMatch(/Studio wiki page: 1 link\(s\) for 1 task\(s\)/);
    expect(job.result.openUrl).toBe((job.result.urls as string[])[0]);
  });

  it('wiki: web pages of several tasks open from their buttons, none by itself', async () => {
    const job = await launch('wiki', shots.slice(0, 2));
    expect(job.result.urls).toHaveLength(2);
    expect(job.result.openUrl).toBeNull();
    expect(job.result.links).toEqual([
      expect.objectContaining({ taskIds: [shots[0].id] }),
      expect.objectContaining({ taskIds: [shots[1].id] }),
    ]);
  });
});
