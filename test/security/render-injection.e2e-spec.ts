import request from 'supertest';
import { startZouSimulator, type ZouSimulator } from '../../dev/simulator/zou';
import {
  startAfanasySimulator,
  startDeadlineSimulator,
  startFlamencoSimulator,
  type FarmRequestLogEntry,
} from '../../dev/simulator/farms';
import type { RenderResult } from '../../src/actions/render/render.action';
import { shellJoin } from '../../src/farms/shell-words';
import type { ZouTask } from '../../src/zou/zou.types';
import { shellSplit } from '../support/posix-shell';
import { startStack, type TestStack } from '../support/stack';

/** The attack from issue 16: a shot and its sequence renamed in Kitsu. */
const HOSTILE_SHOT = 'x"; id > pwned; echo "';
const HOSTILE_SEQUENCE = '../../../..';
/** Odd but allowed: shell syntax in a name is harmless once every argument is quoted. */
const ODD_SHOT = 'sh 010 $(touch pwned);|&*';
const PROJECT = 'Forest Tales';

/** What each farm kept of a submitted job: its scene path and, for Afanasy, the command. */
interface Received {
  scene: string;
  output: string;
  command?: string;
  workingDirectory?: string;
  argv?: string[];
}

interface FarmUnderTest {
  kind: string;
  start(): Promise<{
    env: Record<string, string>;
    submissions(): FarmRequestLogEntry[];
    received(farmJobId: string, result: RenderResult): Received;
    close(): Promise<void>;
  }>;
}

const FARMS: FarmUnderTest[] = [
  {
    kind: 'dry-run',
    async start() {
      return {
        env: {},
        submissions: () => [],
        received: (_id, result) => {
          const spec = result.dryRun![0];
          return {
            scene: spec.scenePath,
            output: spec.outputPath,
            command: shellJoin(spec.commandArgs!),
          };
        },
        close: async () => undefined,
      };
    },
  },
  {
    kind: 'flamenco',
    async start() {
      const sim = await startFlamencoSimulator();
      return {
        env: { FLAMENCO_URL: sim.url },
        submissions: () => sim.submissions(),
        received: (id) => {
          const settings = sim.jobs.get(id)!.settings as Record<string, string>;
          return { scene: settings.blendfile, output: settings.render_output_path };
        },
        close: () => sim.close(),
      };
    },
  },
  {
    kind: 'afanasy',
    async start() {
      const sim = await startAfanasySimulator();
      return {
        env: { AFANASY_URL: sim.url },
        submissions: () => sim.submissions(),
        received: (id) => {
          const block = sim.jobs.get(Number(id))!.blocks[0] as Record<string, unknown>;
          const command = block.command as string;
          return {
            scene: shellSplit(command).args[2],
            output: (block.files as string[])[0],
            command,
            workingDirectory: block.working_directory as string,
            argv: block.argv as string[],
          };
        },
        close: () => sim.close(),
      };
    },
  },
  {
    kind: 'deadline',
    async start() {
      const sim = await startDeadlineSimulator();
      return {
        env: { DEADLINE_URL: sim.url },
        submissions: () => sim.submissions(),
        received: (id) => {
          const plugin = sim.jobs.get(id)!.PluginInfo as Record<string, string>;
          return { scene: plugin.SceneFile, output: plugin.OutputFile };
        },
        close: () => sim.close(),
      };
    },
  },
];

/** Two shot tasks of one project in different sequences, both with a frame range. */
function twoShotTasks(zou: ZouSimulator): [ZouTask, ZouTask] {
  const withRange = [...zou.data.tasks.values()].filter((task) => {
    const entity = zou.data.entities.get(task.entity_id);
    const data = (entity?.data ?? {}) as Record<string, unknown>;
    return entity?.type === 'Shot' && data.frame_in !== undefined && data.frame_out !== undefined;
  });
  const first = withRange[0];
  const sequenceOf = (task: ZouTask) => zou.data.entities.get(task.entity_id)!.parent_id;
  const second = withRange.find(
    (task) => task.project_id === first.project_id && sequenceOf(task) !== sequenceOf(first),
  )!;
  return [first, second];
}

describe.each(FARMS)('names from Kitsu on the way to $kind', (farmUnderTest) => {
  let zou: ZouSimulator;
  let farm: Awaited<ReturnType<FarmUnderTest['start']>>;
  let stack: TestStack;
  let hostile: ZouTask;
  let odd: ZouTask;

  beforeAll(async () => {
    zou = await startZouSimulator({ seed: 16, size: 'small' });
    [hostile, odd] = twoShotTasks(zou);
    const hostileShot = zou.data.entities.get(hostile.entity_id)!;
    hostileShot.name = HOSTILE_SHOT;
    zou.data.entities.get(hostileShot.parent_id!)!.name = HOSTILE_SEQUENCE;
    zou.data.entities.get(odd.entity_id)!.name = ODD_SHOT;
    zou.data.projects.get(hostile.project_id)!.name = PROJECT;
    farm = await farmUnderTest.start();
    stack = await startStack({
      env: {
        ZOU_URL: zou.url,
        ZOU_TOKEN: zou.tokens.bot,
        RENDER_FARM: farmUnderTest.kind,
        ...farm.env,
        RENDER_TRACKING: 'off',
        FEEDBACK_RENDER: 'never',
      },
    });
  });
  afterAll(async () => {
    await stack.close();
    await farm.close();
    await zou.close();
  });

  it('refuses the hostile task with its reason and sends the odd one as exact arguments', async () => {
    const person = zou.data.people.supervisor;
    const clicked = await request(stack.url)
      .post('/actions/render')
      .send({
        userid: person.id,
        useremail: person.email,
        productionid: hostile.project_id,
        originurl: '/',
        originserver: 'kitsu.test',
        selection: [hostile.id, odd.id],
        entitytype: 'shot',
      })
      .expect(202);
    const jobId = clicked.body.jobId as string;
    await stack.waitForJob(jobId);
    const job = await request(stack.url).get(`/jobs/${jobId}`).set('Accept', 'application/json');
    expect(job.body.state).toBe('completed');
    const result = job.body.result as RenderResult;

    // The hostile task is this task's failure, recorded like any other, and never reaches the farm.
    expect(result.errors).toEqual([{ taskId: hostile.id, reason: expect.any(String) }]);
    const reason = result.errors[0].reason;
    expect(reason).toContain(`the sequence name ${JSON.stringify(HOSTILE_SEQUENCE)} contains`);
    expect(reason).toContain(`the shot name ${JSON.stringify(HOSTILE_SHOT)} contains`);
    expect(result.tasks[0]).toMatchObject({
      taskId: hostile.id,
      state: 'not-submitted',
      farmJobId: null,
      message: reason,
    });
    const submitted = [...zou.data.comments.values()].filter(
      (c) => c.object_id === hostile.id && c.text.startsWith('Render submitted'),
    );
    expect(submitted).toEqual([]);
    if (farmUnderTest.kind !== 'dry-run') {
      expect(farm.submissions()).toHaveLength(1);
      expect(farm.submissions()[0]).toMatchObject({ verdict: 'accepted' });
      expect(farm.submissions()[0].rawBody).not.toContain('pwned; echo');
    }

    // The odd name arrives as it is, in the one place it belongs, under the template's roots.
    const oddTask = result.tasks[1];
    expect(oddTask).toMatchObject({ taskId: odd.id, farmJobId: expect.any(String) });
    const sequence = zou.data.entities.get(zou.data.entities.get(odd.entity_id)!.parent_id!)!;
    const taskType = zou.data.taskTypes.get(odd.task_type_id)!;
    const scene = `/prod/${PROJECT}/shots/${sequence.name}/${ODD_SHOT}/${taskType.name}/${ODD_SHOT}.blend`;
    const outputDir = `/render/${PROJECT}/${sequence.name}/${ODD_SHOT}/${taskType.name}`;
    const received = farm.received(oddTask.farmJobId!, result);
    expect(received.scene).toBe(scene);
    expect(received.output.startsWith(`${outputDir}/${ODD_SHOT}.`)).toBe(true);
    if (received.command !== undefined) {
      const output = `${outputDir}/${ODD_SHOT}.####`;
      const intended = ['blender', '-b', scene, '-o', output, '-s', '@#@', '-e', '@#@', '-a'];
      // A real POSIX shell splits what the farm got back into exactly these, running nothing.
      expect(shellSplit(received.command)).toEqual({ args: intended, createdFiles: [] });
      if (received.argv) expect(received.argv).toEqual(intended);
    }
    if (received.workingDirectory !== undefined) {
      expect(received.workingDirectory).toBe(scene.slice(0, scene.lastIndexOf('/')));
    }
  });
});
