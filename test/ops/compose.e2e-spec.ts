import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { documentedVariables } from '../support/env-example';

const ROOT = join(__dirname, '../..');
const hasCompose = spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0;

interface Service {
  environment?: Record<string, string | null>;
  volumes?: Array<string | { source?: string; target?: string }>;
}

/** Values compose sets itself inside its network, whatever .env says. */
const CONTAINER_VALUES: Record<string, Record<string, string>> = {
  api: { REDIS_URL: 'redis://redis:6379', PORT: '8080', HOST: '0.0.0.0' },
  worker: { REDIS_URL: 'redis://redis:6379' },
};

/** YAML through the PyYAML that Debian's docker-compose depends on (no YAML package in npm deps). */
function yamlToJson(text: string): unknown {
  const script = 'import json,sys,yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)';
  const { status, stdout, stderr } = spawnSync('python3', ['-c', script], {
    input: text,
    encoding: 'utf8',
  });
  if (status !== 0) throw new Error(`could not read docker-compose's YAML: ${stderr}`);
  return JSON.parse(stdout);
}

/** A value compose accepts everywhere the variable is interpolated (ports must be numbers). */
function probeValue(name: string): string {
  if (name === 'API_PORT') return '18080';
  if (name === 'KITSU_PORT') return '18800';
  return `probe-${name.toLowerCase()}`;
}

// Debian's docker-compose (v1) renders the files as Docker would run them; CI installs it.
const describeCompose = hasCompose ? describe : describe.skip;
if (!hasCompose) {
  console.warn('compose.e2e-spec: docker-compose is not installed; compose rendering not checked');
}

describeCompose('docker compose hands every setting to api and worker', () => {
  let dir: string;
  const documented = documentedVariables();

  beforeAll(() => {
    // A temporary copy: the project's own .env (if any) stays out of it.
    dir = mkdtempSync(join(tmpdir(), 'kitsu-actions-compose-'));
    for (const file of readdirSync(ROOT).filter((n) => /^docker-compose.*\.yml$/.test(n))) {
      copyFileSync(join(ROOT, file), join(dir, file));
    }
    copyFileSync(join(ROOT, 'Dockerfile'), join(dir, 'Dockerfile'));
    mkdirSync(join(dir, 'config'));
    // KITSU_URL and CORS_ORIGINS empty so the Kitsu override's defaults show.
    const lines = documented.map((name) =>
      ['KITSU_URL', 'CORS_ORIGINS'].includes(name) ? `${name}=` : `${name}=${probeValue(name)}`,
    );
    writeFileSync(join(dir, '.env'), `${lines.join('\n')}\nMY_FORWARDER_SECRET=probe-secret\n`);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function render(...files: string[]): Record<string, Service> {
    const args = [...files.flatMap((f) => ['-f', f]), 'config'];
    const { status, stdout, stderr } = spawnSync('docker-compose', args, {
      cwd: dir,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '' },
    });
    if (status !== 0) throw new Error(`docker-compose ${args.join(' ')} failed:\n${stderr}`);
    return (yamlToJson(stdout) as { services: Record<string, Service> }).services;
  }

  function expected(service: string, name: string): string {
    if (name === 'KITSU_URL' || name === 'CORS_ORIGINS') return '';
    return CONTAINER_VALUES[service]?.[name] ?? probeValue(name);
  }

  it('gives api and worker every variable of .env.example with its .env value', () => {
    const services = render('docker-compose.yml');
    for (const name of ['api', 'worker']) {
      const environment = services[name].environment ?? {};
      const wrong = documented.filter((v) => (environment[v] ?? null) !== expected(name, v));
      expect({ service: name, wrong }).toEqual({ service: name, wrong: [] });
      // A variable that is in no list (a forwarder's secretEnv) arrives too.
      expect(environment.MY_FORWARDER_SECRET).toBe('probe-secret');
    }
    expect(services.api.environment?.PORT).toBe('8080');
  });

  it('mounts config/ read-only where LAUNCHERS_FILE and FORWARDERS_FILE paths resolve', () => {
    const services = render('docker-compose.yml');
    for (const name of ['api', 'worker']) {
      const mounts = (services[name].volumes ?? []).map((v) =>
        typeof v === 'string' ? v : `${v.source}:${v.target}`,
      );
      expect(mounts.some((m) => m.startsWith(`${join(dir, 'config')}:/app/config`))).toBe(true);
    }
  });

  it('wires api and worker to the bundled Kitsu with docker-compose.kitsu.yml, keeping the rest', () => {
    const services = render('docker-compose.yml', 'docker-compose.kitsu.yml');
    for (const name of ['api', 'worker', 'register-actions']) {
      expect(services[name].environment).toMatchObject({
        ZOU_URL: 'http://kitsu/api',
        // .env's token belongs to another Zou: this Kitsu's admin login instead.
        ZOU_TOKEN: '',
        ZOU_EMAIL: probeValue('KITSU_ADMIN_EMAIL'),
        ZOU_PASSWORD: probeValue('KITSU_ADMIN_PASSWORD'),
        KITSU_URL: 'http://localhost:8800',
      });
      expect(services[name].environment?.CORS_ORIGINS).toBe('http://localhost:8800');
      expect(services[name].environment?.RENDER_SCENE_TEMPLATE).toBe(
        probeValue('RENDER_SCENE_TEMPLATE'),
      );
    }
    expect(services.kitsu).toBeDefined();
  });

  it('gives the dedicated workers of docker-compose.workers.yml the whole .env as well', () => {
    const services = render('docker-compose.yml', 'docker-compose.workers.yml');
    for (const name of ['worker-render', 'worker-launch']) {
      const environment = services[name].environment ?? {};
      const missing = documented.filter((v) => !(v in environment));
      expect({ service: name, missing }).toEqual({ service: name, missing: [] });
      expect(environment.REDIS_URL).toBe('redis://redis:6379');
    }
    expect(services['worker-render'].environment?.WORKERS).toBe('render,render-tracking');
  });
});
