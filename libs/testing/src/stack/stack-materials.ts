import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CertificateAuthority } from '@tether/pki';

export interface StackMaterials {
  caPem: string;
  caFile: string;
  certFile: string;
  keyFile: string;
  sessionKeyFile: string;
  sessionKey: KeyObject;
}

/**
 * The broker's private CA, TLS certificate and session key in `dir`. Files already there are reused,
 * so a second `npm start` keeps the kubeconfig and the CLI's sign-in valid.
 */
export async function loadOrCreateMaterials(dir: string): Promise<StackMaterials> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = (name: string) => join(dir, name);
  const paths = {
    caFile: file('broker-ca.pem'),
    caKeyFile: file('broker-ca.key'),
    certFile: file('broker.crt'),
    keyFile: file('broker.key'),
    sessionKeyFile: file('session.key'),
  };
  if (!Object.values(paths).every((path) => existsSync(path))) {
    const ca = await CertificateAuthority.create('Tether embedded broker CA');
    const leaf = await ca.issueServerCertificate({
      commonName: 'localhost',
      dnsNames: ['localhost'],
      ipAddresses: ['127.0.0.1'],
    });
    writeFileSync(paths.caFile, ca.certPem);
    writeFileSync(paths.caKeyFile, ca.keyPem, { mode: 0o600 });
    writeFileSync(paths.certFile, leaf.certPem);
    writeFileSync(paths.keyFile, leaf.keyPem, { mode: 0o600 });
    const session = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' });
    writeFileSync(paths.sessionKeyFile, session, { mode: 0o600 });
  }
  return {
    caPem: readFileSync(paths.caFile, 'utf8'),
    caFile: paths.caFile,
    certFile: paths.certFile,
    keyFile: paths.keyFile,
    sessionKeyFile: paths.sessionKeyFile,
    sessionKey: createPrivateKey(readFileSync(paths.sessionKeyFile)),
  };
}
