import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CertificateAuthority } from '@tether/pki';
import { freePort, runNode, startNode } from '@tether/testing';

const brokerMain = join(__dirname, '..', '..', 'apps', 'broker', 'dist', 'main.js');

function getJson(url: string, ca: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    request(url, { ca }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    })
      .on('error', reject)
      .end();
  });
}

describe('broker process', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tether-broker-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves health over TLS that clients verify against the private CA', async () => {
    const ca = await CertificateAuthority.create('broker test CA');
    const leaf = await ca.issueServerCertificate({
      commonName: 'localhost',
      dnsNames: ['localhost'],
      ipAddresses: ['127.0.0.1'],
    });
    writeFileSync(join(dir, 'tls.crt'), leaf.certPem);
    writeFileSync(join(dir, 'tls.key'), leaf.keyPem);
    const port = await freePort();
    const broker = await startNode(brokerMain, {
      env: {
        TETHER_BROKER_PORT: String(port),
        TETHER_BROKER_TLS_CERT_FILE: join(dir, 'tls.crt'),
        TETHER_BROKER_TLS_KEY_FILE: join(dir, 'tls.key'),
      },
      readyPattern: /broker listening/,
    });
    try {
      const health = await getJson(`https://127.0.0.1:${port}/healthz`, ca.certPem);
      expect(health).toEqual({ status: 200, body: { status: 'ok' } });
      const stranger = await CertificateAuthority.create('not the broker CA');
      await expect(getJson(`https://127.0.0.1:${port}/healthz`, stranger.certPem)).rejects.toThrow();
    } finally {
      await broker.stop();
    }
  });

  it('refuses to start with invalid settings and names every one of them', async () => {
    const result = await runNode(brokerMain, {
      env: { TETHER_BROKER_PORT: 'not-a-port', TETHER_BROKER_LOG_LEVEL: 'loud' },
    });
    expect(result.code).not.toBe(0);
    for (const name of ['PORT', 'LOG_LEVEL', 'TLS_CERT_FILE', 'TLS_KEY_FILE'])
      expect(result.stderr).toContain(name);
  });
});
