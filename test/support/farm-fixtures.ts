import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FarmJobSpec } from '../../src/farms/farm.types';

/** A render of one shot as the render action would describe it. */
export function sampleSpec(overrides: Partial<FarmJobSpec> = {}): FarmJobSpec {
  return {
    name: 'Big Buck E01 SQ010 SH020 Lighting',
    kitsu: {
      taskId: '6f1c1c56-2d1f-4a50-9d63-5d7e3f1b0a01',
      entityId: '6f1c1c56-2d1f-4a50-9d63-5d7e3f1b0a02',
      projectId: '6f1c1c56-2d1f-4a50-9d63-5d7e3f1b0a03',
      personId: '6f1c1c56-2d1f-4a50-9d63-5d7e3f1b0a04',
    },
    submitter: { name: 'Ada Lovelace', login: 'ada', email: 'ada@studio.example' },
    priority: 60,
    frameIn: 1001,
    frameOut: 1100,
    framesPerTask: 10,
    fps: 24,
    resolution: { width: 1920, height: 1080 },
    scenePath: '/prod/bbb/shots/sq010/sh020/lighting/sh020.blend',
    outputPath: '/render/bbb/sq010/sh020/lighting/sh020.####',
    project: 'Big Buck',
    batch: 'Big Buck SQ010',
    metadata: { 'kitsu.task_type': 'Lighting' },
    ...overrides,
  };
}

/** A URL where nothing listens: a server that was started and closed again. */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/** A server that accepts requests and never answers (for timeouts). */
export async function silentServer(): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer(() => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The rejection a promise ends with (fails the test when it resolves). */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject, but it resolved');
}
