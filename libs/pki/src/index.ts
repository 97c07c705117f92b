export { CertificateAuthority } from './certificate-authority.js';
export type {
  ClientCertificateRequest,
  PemKeyPair,
  ServerCertificateRequest,
} from './certificate-authority.js';
