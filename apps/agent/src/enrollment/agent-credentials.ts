import { readFileSync } from 'node:fs';
import type { AgentConfig } from '@tether/config';
import type { Logger } from 'pino';
import type { ApiServerConnection } from '../api-server/api-server-connection';
import { CredentialKeeper } from './credential-keeper';
import { EnrollmentClient } from './enrollment-client';
import { FileCredentialStore } from './file-credential-store';
import { SecretCredentialStore } from './secret-credential-store';

/** How the tunnel proves the agent's cluster on each connect. */
export interface AgentCredentials {
  header(): Promise<string>;
  /** The broker refused the credential on a connect. */
  noteRefused(reason: string): void;
  stop(): void;
}

/** Enrollment (join token, stored and rotated credential) or a static TOKEN/TOKEN_FILE, as configured. */
export async function openAgentCredentials(
  config: AgentConfig,
  apiServer: ApiServerConnection,
  brokerCa: Buffer | undefined,
  logger: Logger,
): Promise<AgentCredentials> {
  if (config.TOKEN !== undefined || config.TOKEN_FILE !== undefined) {
    const read = () => config.TOKEN ?? readFileSync(config.TOKEN_FILE as string, 'utf8').trim();
    return {
      header: () => Promise.resolve(`Bearer ${read()}`),
      noteRefused: (reason) => logger.error({ reason }, 'the broker refused the static agent token'),
      stop: () => {},
    };
  }
  const store = config.CREDENTIAL_SECRET
    ? new SecretCredentialStore(apiServer.kubeConfig, config.NAMESPACE as string, config.CREDENTIAL_SECRET)
    : new FileCredentialStore(config.CREDENTIAL_FILE as string);
  const keeper = new CredentialKeeper({
    cluster: config.CLUSTER_NAME,
    store,
    api: new EnrollmentClient(config.BROKER_URL, brokerCa),
    joinTokenFile: config.JOIN_TOKEN_FILE,
    logger,
  });
  await keeper.start();
  return {
    header: () => keeper.header(),
    noteRefused: (reason) => keeper.noteRefused(reason),
    stop: () => keeper.stop(),
  };
}
