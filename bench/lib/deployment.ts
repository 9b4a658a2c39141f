import { startZouSimulator, type ZouSimulator } from '../../dev/simulator/zou';
import type { JsonPoster } from './http-client';

/**
 * The studio the bench plays: a Zou (the project's simulator), Kitsu on its own host name, and
 * people of one production's team clicking from many addresses through Kitsu's proxy. Every
 * intake request is built from a plan, so the load tools and the paced client send the same.
 */
export const KITSU_ORIGIN = 'http://kitsu.studio.example';
/** Served on Kitsu's own host (as the recorded Kitsu requests were): clicks are same-origin. */
export const PUBLIC_URL = `${KITSU_ORIGIN}/kitsu-actions`;
export const BENCH_ACTION_KEY = 'bench-shared-secret-0123456789';
/** Budgets the bench cannot exhaust (the most EdgeConfig accepts), with the limits on. */
export const BENCH_RATE_BUDGET = 1_000_000;

export interface PlanPerson {
  id: string;
  email: string;
  /** The Cookie header Kitsu's page sends with the click: the person's Kitsu session. */
  cookie: string;
}

export interface IntakePlan {
  persons: PlanPerson[];
  projectId: string;
  /**
   * Three groups of task ids of the project; a request takes one task of each, so a person's
   * selections stay distinct for groupSize^3 clicks and deduplication never skips an enqueue.
   */
  taskGroups: [string[], string[], string[]];
  /** Client addresses, sent as X-Forwarded-For (the service trusts its loopback proxy). */
  addresses: string[];
  /** What the browser adds to every click (Origin, Sec-Fetch-Site). */
  headers: Record<string, string>;
}

export interface BenchStudio {
  zou: ZouSimulator;
  plan: IntakePlan;
  close(): Promise<void>;
}

const GROUP_SIZE = 32;
const ADDRESSES = 256;

/** Starts the Zou simulator and picks the people, tasks and addresses of the load. */
export async function startStudio(): Promise<BenchStudio> {
  const zou = await startZouSimulator({ seed: 7, size: 'medium', logBodies: false });
  const projectId = zou.data.projectIds.tvShow;
  const project = zou.data.projects.get(projectId)!;
  const persons = project.team
    .map((id) => zou.data.persons.get(id)!)
    .filter((person) => person.active && !person.is_bot)
    .slice(0, 16)
    .map((person) => ({
      id: person.id,
      email: person.email,
      cookie: `access_token_cookie=${zou.issueToken(person.id)}`,
    }));
  const tasks = [...zou.data.tasks.values()]
    .filter((task) => task.project_id === projectId)
    .map((task) => task.id);
  if (tasks.length < 3 * GROUP_SIZE || persons.length < 4)
    throw new Error(`the simulator's project is too small (${tasks.length} tasks)`);
  const plan: IntakePlan = {
    persons,
    projectId,
    taskGroups: [0, 1, 2].map((g) => tasks.slice(g * GROUP_SIZE, (g + 1) * GROUP_SIZE)) as [
      string[],
      string[],
      string[],
    ],
    addresses: Array.from({ length: ADDRESSES }, (_, i) => `10.20.${i >> 4}.${(i & 15) + 1}`),
    headers: { Origin: KITSU_ORIGIN, 'Sec-Fetch-Site': 'same-origin' },
  };
  return { zou, plan, close: () => zou.close() };
}

/** How many requests a plan can send before a person's selection repeats. */
export function planCycle(plan: IntakePlan): number {
  return plan.persons.length * plan.taskGroups[0].length ** 3;
}

/** Request number n of the plan: the same formula as the wrk script's (see load.ts). */
export function planRequest(
  plan: IntakePlan,
  n: number,
): { headers: Record<string, string>; body: string } {
  const person = plan.persons[n % plan.persons.length];
  const k = Math.floor(n / plan.persons.length);
  const m = plan.taskGroups[0].length;
  // k's three base-m digits, mixed so every group cycles within a few requests (the warm-up
  // meets every task) while the triple stays unique for m^3 values of k.
  const d0 = k % m;
  const d1 = (Math.floor(k / m) + d0) % m;
  const d2 = (Math.floor(k / (m * m)) + d1) % m;
  const selection = [plan.taskGroups[0][d0], plan.taskGroups[1][d1], plan.taskGroups[2][d2]];
  return {
    headers: {
      ...plan.headers,
      Cookie: person.cookie,
      'X-Forwarded-For': plan.addresses[n % plan.addresses.length],
    },
    body: JSON.stringify({
      selection,
      productionid: plan.projectId,
      userid: person.id,
      useremail: person.email,
      originurl: '/productions/demo/shots/tasks',
      originserver: 'kitsu.studio.example',
      entitytype: 'shot',
    }),
  };
}

/**
 * Clicks number `from` to `from + count - 1` of the plan, `connections` at a time, each sent as
 * the last is answered (closed loop); resolves with how many were accepted (2xx).
 */
export async function sendClicks(
  poster: JsonPoster,
  url: string,
  plan: IntakePlan,
  from: number,
  count: number,
  connections: number,
): Promise<number> {
  let next = from;
  let answered = 0;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (next < from + count) {
        const { headers, body } = planRequest(plan, next++);
        const { status } = await poster.post(url, body, headers).catch(() => ({ status: 0 }));
        if (status >= 200 && status < 300) answered++;
      }
    }),
  );
  return answered;
}

/** A switch of the deployed service turned off, to show what that switch costs. */
export const SERVICE_VARIANTS = [
  'as-deployed',
  'no-rate-limits',
  'no-authz',
  'shared-secret',
  'no-dedupe',
  'quiet-logs',
  'nest-route',
] as const;
export type ServiceVariant = (typeof SERVICE_VARIANTS)[number];

/**
 * The service as a studio runs it: production mode, Kitsu session authentication checked with
 * Zou, authorization against Zou, rate limits on (budgets the bench cannot exhaust), dedupe,
 * job links with their own key, one log line per request; helmet, metrics and the cross-site
 * check have no switch and are always on. A variant turns exactly one thing off.
 */
export function serviceEnv(
  redisUrl: string,
  prefix: string,
  zou: ZouSimulator,
  variant: ServiceVariant = 'as-deployed',
): Record<string, string> {
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: prefix,
    BOARD_PASSWORD: 'bench-board-password',
    PUBLIC_URL,
    KITSU_URL: KITSU_ORIGIN,
    ZOU_URL: zou.url,
    ZOU_TOKEN: zou.tokens.bot,
    AUTH_MODE: 'kitsu-session',
    AUTHZ: 'on',
    DEDUPE_WINDOW: '10',
    RATE_LIMIT_PER_PERSON: String(BENCH_RATE_BUDGET),
    RATE_LIMIT_PER_IP: String(BENCH_RATE_BUDGET),
    TRUST_PROXY: 'loopback',
    JOB_VIEW_SECRET: 'bench-job-view-secret-0123456789',
    LOG_LEVEL: 'info',
    INTAKE_FAST_LANE: 'true',
  };
  if (variant === 'no-rate-limits') {
    env.RATE_LIMIT_PER_PERSON = '0';
    env.RATE_LIMIT_PER_IP = '0';
  }
  if (variant === 'no-authz') env.AUTHZ = 'off';
  if (variant === 'shared-secret') {
    env.AUTH_MODE = 'shared-secret';
    env.ACTION_KEY = BENCH_ACTION_KEY;
  }
  if (variant === 'no-dedupe') env.DEDUPE_WINDOW = '0';
  if (variant === 'quiet-logs') env.LOG_LEVEL = 'warn';
  if (variant === 'nest-route') env.INTAKE_FAST_LANE = 'false';
  return env;
}

/** The action URL Kitsu holds for the variant (the shared secret travels in it). */
export function actionPath(variant: ServiceVariant): string {
  return variant === 'shared-secret'
    ? `/actions/bench-noop?key=${BENCH_ACTION_KEY}`
    : '/actions/bench-noop';
}
