import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { readOtelEnvironment } from '@tether/config';
import { AuditorModule } from './auditor.module';
import { readAuditorConfig } from './auditor-config.provider';
import { kafkaTransportOptions } from './ingest/kafka-transport-options';

async function bootstrap(): Promise<void> {
  const config = readAuditorConfig(process.env);
  const tls = config.TLS_CERT_FILE && config.TLS_KEY_FILE;
  const httpsOptions = tls
    ? { cert: readFileSync(config.TLS_CERT_FILE!), key: readFileSync(config.TLS_KEY_FILE!) }
    : undefined;
  const app = await NestFactory.create(AuditorModule.forConfig(config, readOtelEnvironment(process.env)), {
    bufferLogs: true,
    ...(httpsOptions ? { httpsOptions } : {}),
  });
  app.useLogger(app.get(Logger));
  app.connectMicroservice(kafkaTransportOptions(config), { inheritAppConfig: true });
  app.enableShutdownHooks();
  await app.startAllMicroservices();
  await app.listen(config.PORT, config.HOST);
  app.get(Logger).log(`auditor listening on ${tls ? 'https' : 'http'}://${config.HOST}:${config.PORT}`);
}

bootstrap().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
