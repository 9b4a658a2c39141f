import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Job, Queue, QueueEvents, type ConnectionOptions } from 'bullmq';
import Redis, { Cluster } from 'ioredis';
import { parseJobId } from '../../src/queues/job-id';
import { JobQueues } from '../../src/queues/job-queues.service';
import { EchoModule } from '../support/echo.action';
import { freePort, startRedisServer, type OwnRedis } from '../support/redis-server';
import { readSse } from '../support/sse';
import { startStack, type TestStack } from '../support/stack';
import { uniquePrefix } from '../support/test-env';

/**
 * The service on the two Redis topologies a studio may run instead of one server, started here
 * for real from the machine's redis-server: a master, a replica and a sentinel; and a three-node
 * cluster. REDIS_URL points at a port where nothing listens, so any connection that bypassed the
 * topology settings would fail the test.
 */
describe('Redis topologies', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kitsu-actions-redis-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function click(): Record<string, unknown> {
    return {
      userid: '5f4dcc3b-5aa7-4c8d-9f3a-1b2c3d4e5f60',
      useremail: 'artist@studio.example',
      productionid: null,
      selection: [crypto.randomUUID()],
    };
  }

  async function postClick(stack: TestStack): Promise<string> {
    const res = await fetch(`${stack.url}/actions/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(click()),
    });
    expect(res.status).toBe(202);
    return ((await res.json()) as { jobId: string }).jobId;
  }

  async function clickUntilAccepted(stack: TestStack): Promise<string> {
    for (let attempt = 1; ; attempt++) {
      const res = await fetch(`${stack.url}/actions/echo`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(click()),
      });
      if (res.status === 202) return ((await res.json()) as { jobId: string }).jobId;
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
      if (attempt >= 100) throw new Error('no click accepted after the failover');
      await new Promise((resolve) => setTimeout(resolve, 100)); // a client honouring Retry-After, faster
    }
  }

  async function keysOn(server: OwnRedis, prefix: string): Promise<number> {
    const client = new Redis(server.url);
    try {
      return (await client.keys(`${prefix}:*`)).length;
    } finally {
      client.disconnect();
    }
  }

  /** Waits for the job's end through queue events on the same topology. */
  async function finished(
    connection: ConnectionOptions,
    prefix: string,
    publicId: string,
  ): Promise<unknown> {
    const { queue: name, bullId } = parseJobId(publicId)!;
    const queue = new Queue(name, { connection, prefix });
    const events = new QueueEvents(name, { connection, prefix });
    try {
      await events.waitUntilReady();
      const job = await Job.fromId(queue, bullId);
      if (!job) throw new Error(`job ${publicId} was acknowledged and is gone`);
      return await job.waitUntilFinished(events, 20000);
    } finally {
      await events.close();
      await queue.close();
    }
  }

  /**
   * Opens a job's live page stream (GET /jobs/:id/events) while the job waits, then lets it run:
   * the page must see it wait, progress and complete. Its progress comes through the API's
   * QueueEvents reader and its subscription to the job-change channel, both opened on the
   * topology; the queue is paused meanwhile so the job cannot end before the page is open.
   */
  async function expectLivePage(stack: TestStack): Promise<void> {
    const queue = stack.app.get(JobQueues).get('custom');
    await queue.pause();
    try {
      const jobId = await postClick(stack);
      const stream = await readSse(`${stack.url}/jobs/${jobId}/events`, {
        onOpen: () => queue.resume(),
        timeoutMs: 20000,
      });
      expect(stream.status).toBe(200);
      expect(stream.events[0]).toEqual({
        event: 'state',
        data: expect.objectContaining({ state: 'waiting', final: false }),
      });
      expect(stream.events).toContainEqual({
        event: 'progress',
        data: { percent: 50, message: 'halfway' },
      });
      const last = stream.events.filter((e) => e.event === 'state').pop();
      expect(last?.data).toEqual(expect.objectContaining({ state: 'completed', final: true }));
      expect(stream.events[stream.events.length - 1]?.event).toBe('end');
    } finally {
      await queue.resume();
    }
  }

  describe('Sentinel', () => {
    let master: OwnRedis;
    let replica: OwnRedis;
    let sentinel: OwnRedis;
    let stack: TestStack;
    const name = 'kitsu-actions-test';

    beforeAll(async () => {
      master = await startRedisServer();
      replica = await startRedisServer(undefined, [
        '--replicaof',
        '127.0.0.1',
        String(master.port),
      ]);
      // Under Sentinel a click is acknowledged once a replica holds its job (REDIS_REPLICA_ACKS):
      // start with the replica in sync, as a running deployment is. WAIT 1 0 returns when it is.
      const primary = new Redis(master.url);
      await primary.set('replica-in-sync', '1');
      await primary.wait(1, 0);
      primary.disconnect();
      const conf = join(dir, 'sentinel.conf');
      writeFileSync(
        conf,
        [
          `sentinel monitor ${name} 127.0.0.1 ${master.port} 1`,
          `sentinel down-after-milliseconds ${name} 1000`,
          `sentinel failover-timeout ${name} 10000`,
          '',
        ].join('\n'),
      );
      sentinel = await startRedisServer(undefined, [conf, '--sentinel']);
      stack = await startStack({
        extra: [EchoModule],
        env: {
          REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
          REDIS_SENTINELS: `127.0.0.1:${sentinel.port}`,
          REDIS_SENTINEL_NAME: name,
        },
      });
    });
    afterAll(async () => {
      await stack?.close();
      await sentinel?.stop();
      await replica?.stop();
      await master?.stop();
    });

    const connection = (): ConnectionOptions => ({
      sentinels: [{ host: '127.0.0.1', port: sentinel.port }],
      name,
    });

    it('takes clicks and runs them through the master the sentinel names', async () => {
      const jobId = await postClick(stack);
      expect(await finished(connection(), stack.env.QUEUE_PREFIX!, jobId)).toMatchObject({
        format: 'ajax',
      });
      // The job is on the master the sentinel named.
      expect(await keysOn(master, stack.env.QUEUE_PREFIX!)).toBeGreaterThan(0);
    });

    it("shows a job's live page: it waits, progresses and completes", async () => {
      await expectLivePage(stack);
    });

    it('follows a failover: the replica becomes master and clicks go on being accepted and run', async () => {
      const watcher = new Redis(sentinel.url);
      const switched = new Promise<string>((resolve) => {
        watcher.on('message', (_channel: string, message: string) => resolve(message));
      });
      await watcher.subscribe('+switch-master');
      // Make sure the replica is in sync and known to the sentinel before asking for a failover.
      const probe = new Redis(sentinel.url);
      for (;;) {
        const replicas = (await probe.call('SENTINEL', 'REPLICAS', name)) as string[][];
        if (replicas.some((r) => r.includes(String(replica.port)))) break;
        await new Promise((resolve) => setTimeout(resolve, 100)); // the sentinel has no event for it
      }
      await probe.call('SENTINEL', 'FAILOVER', name);
      expect(await switched).toContain(`127.0.0.1 ${replica.port}`);
      probe.disconnect();
      watcher.disconnect();

      // While the API reconnects to the new master, a click is refused with 503 and Retry-After
      // (nothing stored, or not confirmed by a replica: the old master, not yet told to follow
      // the new one, still takes writes and will drop them); a client that honours it gets through
      // and its job survives.
      // Ten clients at once, so some land in the window where the old master still takes writes.
      const jobIds = await Promise.all(Array.from({ length: 10 }, () => clickUntilAccepted(stack)));
      for (const jobId of jobIds) {
        expect(await finished(connection(), stack.env.QUEUE_PREFIX!, jobId)).toMatchObject({
          format: 'ajax',
        });
      }
      expect(await keysOn(replica, stack.env.QUEUE_PREFIX!)).toBeGreaterThan(0);
    });
  });

  /**
   * Why a failover cannot drop an accepted click: a master whose replica does not confirm a new job
   * does not acknowledge it. The replica is cut off by hand (what a partition or a failover in
   * progress looks like from the master), so this does not depend on timing.
   */
  describe('Replica acknowledgement (REDIS_REPLICA_ACKS)', () => {
    let master: OwnRedis;
    let replica: OwnRedis;
    let stack: TestStack;
    const body = JSON.stringify(click());

    async function inSync(): Promise<void> {
      const primary = new Redis(master.url);
      await primary.set('replica-in-sync', String(Date.now()));
      await primary.wait(1, 0); // returns once the replica holds it
      primary.disconnect();
    }
    const post = (): Promise<Response> =>
      fetch(`${stack.url}/actions/echo`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });

    beforeAll(async () => {
      master = await startRedisServer();
      replica = await startRedisServer(undefined, [
        '--replicaof',
        '127.0.0.1',
        String(master.port),
      ]);
      await inSync();
      stack = await startStack({
        extra: [EchoModule],
        env: {
          REDIS_URL: master.url,
          REDIS_REPLICA_ACKS: '1',
          REDIS_REPLICA_ACK_TIMEOUT_MS: '200',
        },
      });
    });
    afterAll(async () => {
      await stack?.close();
      await replica?.stop();
      await master?.stop();
    });

    it('answers 503 while no replica confirms the job, and 202 once one does', async () => {
      const promoted = new Redis(replica.url);
      try {
        await promoted.call('REPLICAOF', 'NO', 'ONE');
        const refused = await post();
        expect(refused.status).toBe(503);
        expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);

        await promoted.call('REPLICAOF', '127.0.0.1', String(master.port));
        await inSync();
        // The client asks again with the same click: the job Redis kept is the one acknowledged.
        const accepted = await post();
        expect(accepted.status).toBe(202);
        const { jobId } = (await accepted.json()) as { jobId: string };
        expect(await finished({ url: master.url }, stack.env.QUEUE_PREFIX!, jobId)).toMatchObject({
          format: 'ajax',
        });
      } finally {
        promoted.disconnect();
      }
    });
  });

  describe('Cluster', () => {
    let nodes: OwnRedis[];
    let stack: TestStack;
    // BullMQ needs every key of a queue in one slot: the prefix carries a hash tag.
    const prefix = `{${uniquePrefix()}}`;

    beforeAll(async () => {
      nodes = await Promise.all(
        [0, 1, 2].map(async (i) =>
          startRedisServer(undefined, [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            join(dir, `nodes-${i}-${Date.now()}.conf`),
            '--cluster-node-timeout',
            '2000',
            // The bus port defaults to port + 10000, past 65535 for a high ephemeral port.
            '--cluster-port',
            String(await freePort()),
          ]),
        ),
      );
      try {
        execFileSync(
          'redis-cli',
          [
            '--cluster',
            'create',
            ...nodes.map((n) => `127.0.0.1:${n.port}`),
            '--cluster-replicas',
            '0',
            '--cluster-yes',
          ],
          { stdio: 'pipe', encoding: 'utf8' },
        );
      } catch (error) {
        const { stdout, stderr } = error as { stdout?: string; stderr?: string };
        throw new Error(`redis-cli --cluster create failed: ${stdout ?? ''} ${stderr ?? ''}`, {
          cause: error,
        });
      }
      for (const node of nodes) {
        const client = new Redis(node.url);
        while (!String(await client.call('CLUSTER', 'INFO')).includes('cluster_state:ok')) {
          await new Promise((resolve) => setTimeout(resolve, 100)); // no event for cluster state
        }
        client.disconnect();
      }
      stack = await startStack({
        extra: [EchoModule],
        env: {
          REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
          REDIS_CLUSTER_NODES: nodes.map((n) => `127.0.0.1:${n.port}`).join(','),
          QUEUE_PREFIX: prefix,
        },
      });
    });
    afterAll(async () => {
      await stack?.close();
      await Promise.all((nodes ?? []).map((n) => n.stop()));
    });

    it('takes clicks and runs them on a three-node cluster', async () => {
      const jobIds = [await postClick(stack), await postClick(stack)];
      const cluster = new Cluster(nodes.map((n) => ({ host: '127.0.0.1', port: n.port })));
      try {
        for (const jobId of jobIds) {
          expect(await finished(cluster, prefix, jobId)).toMatchObject({ format: 'ajax' });
        }
      } finally {
        cluster.disconnect();
      }
    });

    it('answers health and the job page from the cluster', async () => {
      const ready = await fetch(`${stack.url}/health/ready`);
      expect(ready.status).toBe(200);
      const jobId = await postClick(stack);
      const page = await fetch(`${stack.url}/jobs/${jobId}`, {
        headers: { accept: 'application/json' },
      });
      expect(page.status).toBe(200);
    });

    it("shows a job's live page: it waits, progresses and completes", async () => {
      await expectLivePage(stack);
    });
  });
});
