import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type CryptoKeyPair = webcrypto.CryptoKeyPair;
type CryptoKey = webcrypto.CryptoKey;

const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const dayMs = 24 * 60 * 60 * 1000;

/** A certificate and its private key, both PEM. */
export interface PemKeyPair {
  certPem: string;
  keyPem: string;
}

export interface ServerCertificateRequest {
  commonName: string;
  /** DNS names and IP addresses the certificate is valid for. */
  dnsNames?: string[];
  ipAddresses?: string[];
  validDays?: number;
}

export interface ClientCertificateRequest {
  commonName: string;
  organizations?: string[];
  validDays?: number;
}

/** A private certificate authority that issues short-lived ECDSA P-256 leaf certificates. */
export class CertificateAuthority {
  private constructor(
    readonly certPem: string,
    readonly keyPem: string,
    private readonly cert: x509.X509Certificate,
    private readonly keys: CryptoKeyPair,
  ) {}

  static async create(commonName: string, validDays = 3650): Promise<CertificateAuthority> {
    const keys = (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as CryptoKeyPair;
    const now = Date.now();
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: randomSerial(),
      name: `CN=${commonName}`,
      notBefore: new Date(now - 60_000),
      notAfter: new Date(now + validDays * dayMs),
      keys,
      signingAlgorithm: algorithm,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    return new CertificateAuthority(cert.toString('pem'), await exportKeyPem(keys.privateKey), cert, keys);
  }

  /** Loads a CA written earlier by {@link CertificateAuthority.create} (PEM certificate and PKCS#8 key). */
  static async load(pair: PemKeyPair): Promise<CertificateAuthority> {
    const cert = new x509.X509Certificate(pair.certPem);
    const privateKey = await webcrypto.subtle.importKey('pkcs8', pemBody(pair.keyPem), algorithm, true, [
      'sign',
    ]);
    const publicKey = await cert.publicKey.export(algorithm, ['verify']);
    return new CertificateAuthority(pair.certPem, pair.keyPem, cert, { privateKey, publicKey });
  }

  async issueServerCertificate(request: ServerCertificateRequest): Promise<PemKeyPair> {
    const names = [
      ...(request.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
      ...(request.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
    ];
    return this.issue(`CN=${request.commonName}`, request.validDays ?? 825, [
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
        true,
      ),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names),
    ]);
  }

  async issueClientCertificate(request: ClientCertificateRequest): Promise<PemKeyPair> {
    const subject = [
      `CN=${request.commonName}`,
      ...(request.organizations ?? []).map((org) => `O=${org}`),
    ].join(', ');
    return this.issue(subject, request.validDays ?? 365, [
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
    ]);
  }

  private async issue(subject: string, validDays: number, extensions: x509.Extension[]): Promise<PemKeyPair> {
    const keys = (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as CryptoKeyPair;
    const now = Date.now();
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: randomSerial(),
      subject,
      issuer: this.cert.subject,
      notBefore: new Date(now - 60_000),
      notAfter: new Date(now + validDays * dayMs),
      publicKey: keys.publicKey,
      signingKey: this.keys.privateKey,
      signingAlgorithm: algorithm,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        ...extensions,
        await x509.AuthorityKeyIdentifierExtension.create(this.cert),
      ],
    });
    return { certPem: cert.toString('pem'), keyPem: await exportKeyPem(keys.privateKey) };
  }
}

function randomSerial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] ?? 0) & 0x7f; // positive INTEGER
  return Buffer.from(bytes).toString('hex');
}

async function exportKeyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN PRIVATE KEY-----\n${lines.join('\n')}\n-----END PRIVATE KEY-----\n`;
}

function pemBody(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
}
