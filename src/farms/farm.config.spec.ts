import { Test } from '@nestjs/testing';
import { ConfigModule } from '../config/config.module';
import { ConfigError } from '../config/validate-env';
import { AfanasyAdapter } from './afanasy.adapter';
import { DeadlineAdapter } from './deadline.adapter';
import { DryRunAdapter } from './dry-run.adapter';
import { loadFarmConfig } from './farm.config';
import { createFarmAdapter, farmKinds } from './farm.registry';
import type { FarmAdapter } from './farm.types';
import { FARM_ADAPTER, FarmsModule } from './farms.module';
import { FlamencoAdapter } from './flamenco.adapter';

describe('FarmConfig', () => {
  it('defaults to the dry run, needing no farm address', () => {
    const config = loadFarmConfig({});
    expect(config).toMatchObject({
      RENDER_FARM: 'dry-run',
      FLAMENCO_JOB_TYPE: 'simple-blender-render',
      FLAMENCO_SUBMITTER_PLATFORM: 'linux',
      AFANASY_SERVICE: 'blender',
      DEADLINE_PLUGIN: 'Blender',
      FARM_TIMEOUT_MS: 15000,
    });
    expect(createFarmAdapter(config)).toBeInstanceOf(DryRunAdapter);
  });

  it.each([
    ['flamenco', 'FLAMENCO_URL'],
    ['afanasy', 'AFANASY_URL'],
    ['deadline', 'DEADLINE_URL'],
  ])('requires the address of the chosen farm (%s needs %s)', (farm, variable) => {
    expect(() => loadFarmConfig({ RENDER_FARM: farm })).toThrow(ConfigError);
    expect(() => loadFarmConfig({ RENDER_FARM: farm })).toThrow(
      new RegExp(`${variable}: must be set when RENDER_FARM=${farm}`),
    );
  });

  it.each([
    ['flamenco', { FLAMENCO_URL: 'http://flamenco:8080' }, FlamencoAdapter],
    ['afanasy', { AFANASY_URL: 'http://afserver:51000' }, AfanasyAdapter],
    ['deadline', { DEADLINE_URL: 'http://deadline:8082' }, DeadlineAdapter],
  ])('builds the %s adapter', (farm, env, type) => {
    const adapter = createFarmAdapter(loadFarmConfig({ RENDER_FARM: farm, ...env }));
    expect(adapter).toBeInstanceOf(type);
    expect(adapter.kind).toBe(farm);
  });

  it.each([
    ['RENDER_FARM', 'tractor'],
    ['FLAMENCO_URL', 'flamenco:8080'],
    ['FLAMENCO_SUBMITTER_PLATFORM', 'Linux'],
    ['AFANASY_FRAMES_PER_TASK', '0'],
    ['AFANASY_COMMAND', 'blender -b {scene} -f 1'],
    ['FARM_TIMEOUT_MS', '5'],
    ['DEADLINE_URL', 'ftp://deadline'],
  ])('rejects a malformed %s with its name in the message', (name, value) => {
    expect(() => loadFarmConfig({ [name]: value })).toThrow(new RegExp(`${name}:`));
  });

  it('lists the farms it knows when RENDER_FARM is unknown', () => {
    expect(farmKinds()).toEqual(['flamenco', 'afanasy', 'deadline', 'dry-run']);
    expect(() => loadFarmConfig({ RENDER_FARM: 'tractor' })).toThrow(
      /one of flamenco, afanasy, deadline, dry-run/,
    );
  });

  it('refuses unknown fields in AFANASY_COMMAND at start-up', () => {
    expect(() =>
      loadFarmConfig({ AFANASY_COMMAND: 'blender -b "{scene}" -o "{ouput}" -s @#@ -e @#@' }),
    ).toThrow(/AFANASY_COMMAND: unknown field \{ouput\}/);
  });

  it('refuses shell syntax in AFANASY_COMMAND at start-up', () => {
    expect(() =>
      loadFarmConfig({ AFANASY_COMMAND: 'blender -b {scene} -s @#@ -e @#@; rm -rf /' }),
    ).toThrow(/AFANASY_COMMAND: shell syntax ; is not allowed/);
  });

  it('wants DEADLINE_USER and DEADLINE_PASSWORD together, without printing the password', () => {
    expect(() => loadFarmConfig({ DEADLINE_USER: 'render' })).toThrow(
      /DEADLINE_PASSWORD: must be set/,
    );
    expect(() => loadFarmConfig({ DEADLINE_PASSWORD: 'hunter22' })).toThrow(
      /DEADLINE_USER: must be set/,
    );
    let message = '';
    try {
      loadFarmConfig({ DEADLINE_PASSWORD: 'hunter22' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).not.toContain('hunter22');
  });
});

describe('FarmsModule', () => {
  async function adapterFor(env: Record<string, string>): Promise<FarmAdapter> {
    const moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(env), FarmsModule],
    }).compile();
    const adapter = moduleRef.get<FarmAdapter>(FARM_ADAPTER);
    await moduleRef.close();
    return adapter;
  }

  it('provides the adapter RENDER_FARM selects under FARM_ADAPTER', async () => {
    expect(await adapterFor({})).toBeInstanceOf(DryRunAdapter);
    const flamenco = await adapterFor({
      RENDER_FARM: 'flamenco',
      FLAMENCO_URL: 'http://flamenco:8080/',
    });
    expect(flamenco).toBeInstanceOf(FlamencoAdapter);
    expect(flamenco.jobUrl?.('abc')).toBe('http://flamenco:8080/app/jobs/abc');
  });

  it('fails to start with the variable named when the farm is not configured', async () => {
    await expect(adapterFor({ RENDER_FARM: 'deadline' })).rejects.toThrow(/DEADLINE_URL/);
  });
});
