import { once } from 'node:events';
import { createServer } from 'node:https';
import { request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { CertificateAuthority } from './certificate-authority.js';

async function fetchOnce(port: number, ca: string, servername = 'localhost'): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, ca, servername, path: '/' }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('CertificateAuthority', () => {
  it('issues a server certificate that a TLS client trusting only this CA accepts', async () => {
    const ca = await CertificateAuthority.create('tether test CA');
    const leaf = await ca.issueServerCertificate({
      commonName: 'localhost',
      dnsNames: ['localhost'],
      ipAddresses: ['127.0.0.1'],
    });
    const server = createServer({ cert: leaf.certPem, key: leaf.keyPem }, (_req, res) => res.end('hello'));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const port = (server.address() as AddressInfo).port;
      expect(await fetchOnce(port, ca.certPem)).toBe('hello');
      const otherCa = await CertificateAuthority.create('someone else');
      await expect(fetchOnce(port, otherCa.certPem)).rejects.toThrow(
        /self.signed|unable to verify|certificate/i,
      );
      await expect(fetchOnce(port, ca.certPem, 'not-in-the-san.example')).rejects.toThrow(
        /altnames|Hostname/i,
      );
    } finally {
      server.close();
    }
  });

  it('reloads from PEM and keeps issuing certificates chained to the same root', async () => {
    const original = await CertificateAuthority.create('reloaded CA');
    const reloaded = await CertificateAuthority.load({ certPem: original.certPem, keyPem: original.keyPem });
    const leaf = await reloaded.issueServerCertificate({ commonName: 'localhost', dnsNames: ['localhost'] });
    const server = createServer({ cert: leaf.certPem, key: leaf.keyPem }, (_req, res) => res.end('ok'));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      expect(await fetchOnce((server.address() as AddressInfo).port, original.certPem)).toBe('ok');
    } finally {
      server.close();
    }
  });
});
