import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { readBrokerConfig } from './broker-config.provider';
import { readOtelEnvironment } from '@tether/config';

async function bootstrap(): Promise<void> {
  const config = readBrokerConfig(process.env);
  const httpsOptions = { cert: readFileSync(config.TLS_CERT_FILE), key: readFileSync(config.TLS_KEY_FILE) };
  const app = await NestFactory.create(AppModule.forConfig(config, readOtelEnvironment(process.env)), {
    httpsOptions,
    bufferLogs: true,
    bodyParser: false,
  });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  await app.listen(config.PORT, config.HOST);
  app.get(Logger).log(`broker listening on https://${config.HOST}:${config.PORT}`);
}

bootstrap().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
