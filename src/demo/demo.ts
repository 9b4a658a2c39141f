import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createHttpApp } from '../bootstrap';
import { redisAnswers, startRedisServer, type OwnRedis } from '../dev-support/redis-server';
import { startZouSimulator } from '../simulator/zou';

/**
 * `npm run demo`: Redis (reused or started), a Zou simulator with a sample studio, and the API
 * with workers in one process; prints the URLs and a curl for each request format.
 */
async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 8080);
  let redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  let ownRedis: OwnRedis | null = null;
  if (!(await redisAnswers(redisUrl))) {
    ownRedis = await startRedisServer();
    redisUrl = ownRedis.url;
  }
  const zou = await startZouSimulator({
    port: Number(process.env.ZOU_SIM_PORT ?? 5080),
    seed: 42,
    size: 'medium',
    logBodies: false,
  });
  const publicUrl = process.env.PUBLIC_URL ?? `http://localhost:${port}`;
  const env = {
    ...process.env,
    NODE_ENV: process.env.NODE_ENV ?? 'development',
    PORT: String(port),
    PUBLIC_URL: publicUrl,
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: process.env.QUEUE_PREFIX ?? 'kitsu-actions-demo',
    ZOU_URL: zou.url,
    ZOU_TOKEN: zou.tokens.bot,
    KITSU_URL: process.env.KITSU_URL ?? 'http://localhost:8081',
    BOARD_USER: process.env.BOARD_USER ?? 'admin',
    BOARD_PASSWORD: process.env.BOARD_PASSWORD ?? 'demo-password',
    RENDER_FARM: process.env.RENDER_FARM ?? 'dry-run',
  };
  const app = await createHttpApp('all', { env });
  await app.listen(port, '0.0.0.0');

  const { data } = zou;
  const person = data.people.supervisor;
  const projectId = data.projectIds.tvShow;
  const shotTasks = [...data.tasks.values()]
    .filter((t) => t.project_id === projectId && data.entities.get(t.entity_id)?.type === 'Shot')
    .slice(0, 3);
  const ids = shotTasks.map((t) => t.id);
  const token = zou.tokens.supervisor;
  const ajax = JSON.stringify({
    userid: person.id,
    useremail: person.email,
    productionid: projectId,
    originurl: `/productions/${projectId}/shots/tasks`,
    originserver: 'localhost:8081',
    selection: ids,
    entitytype: 'shot',
  });
  console.log(
    [
      '',
      'Kitsu Actions demo is running.',
      `  API and job pages   ${publicUrl}  (actions: ${publicUrl}/actions)`,
      `  Bull Board          ${publicUrl}/admin/queues  (${env.BOARD_USER} / ${env.BOARD_PASSWORD})`,
      `  Zou simulator       ${zou.url}  (any person's email, password "${data.password}")`,
      `  Redis               ${redisUrl}${ownRedis ? ' (started for the demo)' : ''}`,
      '',
      `As ${person.full_name} (${person.email}), supervisor on "${data.projects.get(projectId)?.name}":`,
      '',
      '# AJAX format (JSON), as Kitsu sends with is_ajax:',
      `curl -s -X POST ${publicUrl}/actions/inspect -H 'Content-Type: application/json' \\`,
      `  -H 'Authorization: Bearer ${token}' \\`,
      `  -d '${ajax}'`,
      '',
      '# Form format, as Kitsu sends when the action opens a new tab (follow the 303 to the job page):',
      `curl -s -L -X POST ${publicUrl}/actions/inspect -H 'Accept: text/html' \\`,
      `  -H 'Authorization: Bearer ${token}' \\`,
      `  --data-urlencode personid=${person.id} --data-urlencode personemail=${person.email} \\`,
      `  --data-urlencode projectid=${projectId} --data-urlencode currentpath=/productions/${projectId}/shots/tasks \\`,
      `  --data-urlencode currentserver=localhost:8081 --data-urlencode selection=${ids.join(',')}`,
      '',
      'Then open the statusUrl (or the job page) in a browser. Ctrl-C stops everything.',
    ].join('\n'),
  );

  const stop = async () => {
    await app.close();
    await zou.close();
    if (ownRedis) await ownRedis.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  new Logger('Demo').error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
