import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** An Ed25519 key from a PKCS#8 PEM file, or a fresh one for this process when no file is set. */
export function loadOrGenerateEd25519(file: string | undefined): {
  privateKey: KeyObject;
  publicKey: KeyObject;
} {
  if (!file) return generateKeyPairSync('ed25519');
  const privateKey = createPrivateKey(readFileSync(file));
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`${file} is not an Ed25519 private key`);
  return { privateKey, publicKey: createPublicKey(privateKey) };
}
