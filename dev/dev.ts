import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { AppConfig } from '../src/config/app.config';
import { createHttpApp, runOrExit } from '../src/bootstrap';

/** Both roles in one process, for local work. */
void runOrExit('Dev', async () => {
  const app = await createHttpApp('all');
  const config = app.get(AppConfig);
  await app.listen(config.PORT, config.HOST);
  new Logger('Dev').log(`API and workers in one process on ${config.publicUrl}`);
});
