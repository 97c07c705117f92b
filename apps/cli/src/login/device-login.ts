import { setTimeout as delay } from 'node:timers/promises';
import type { BrokerApi, DeviceAuthorization } from '../broker/broker-api.js';
import { CliError } from '../errors/cli-error.js';
import type { StoredSession } from '../session/stored-session.js';

export interface DeviceLoginOptions {
  api: BrokerApi;
  /** Shows the code and address to the person (stderr). */
  prompt: (authorization: DeviceAuthorization) => void;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** RFC 8628 device authorization grant: show a code, then poll the token endpoint until the person approved. */
export async function deviceLogin(options: DeviceLoginOptions): Promise<StoredSession> {
  const { api } = options;
  const sleep = options.sleep ?? ((ms: number) => delay(ms));
  const now = options.now ?? Date.now;
  const authorization = await api.startDevice();
  if (typeof authorization.device_code !== 'string' || typeof authorization.user_code !== 'string') {
    throw new CliError('broker_error', `${api.broker}/auth/device did not return a device code`);
  }
  options.prompt(authorization);
  let intervalMs = Math.max(1, authorization.interval ?? 5) * 1000;
  const deadline = now() + authorization.expires_in * 1000;
  for (;;) {
    await sleep(intervalMs);
    try {
      return await api.pollDevice(authorization.device_code);
    } catch (error) {
      switch ((error as { oauthError?: unknown }).oauthError) {
        case 'authorization_pending':
          break;
        case 'slow_down':
          intervalMs += 5000;
          break;
        case 'access_denied':
          throw new CliError(
            'idp_error',
            'sign-in was denied on the verification page',
            'Run tether login --device again.',
          );
        case 'expired_token':
          throw expired();
        default:
          throw error;
      }
    }
    if (now() + intervalMs > deadline) throw expired();
  }
}

function expired(): CliError {
  return new CliError(
    'login_timeout',
    'the device code expired before sign-in was approved',
    'Run tether login --device again and approve the new code sooner.',
  );
}
