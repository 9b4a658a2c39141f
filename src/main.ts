import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { AppConfig } from './config/app.config';
import { createHttpApp, runOrExit } from './bootstrap';

/** HTTP role: intake, job API and pages, Bull Board, health. Workers run in worker.ts. */
void runOrExit('Api', async () => {
  const app = await createHttpApp('api');
  const config = app.get(AppConfig);
  await app.listen(config.PORT, config.HOST);
  new Logger('Api').log(
    `Listening on ${config.HOST}:${config.PORT} (public URL ${config.publicUrl})`,
  );
});
