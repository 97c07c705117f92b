import {
  createPublicKey,
  generateKeyPairSync,
  randomUUID,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';

/** The broker's private signing key; `keyId` travels in every decision's header. */
export interface DecisionSigningKey {
  keyId: string;
  privateKey: KeyObject;
}

/** A public key as agents receive it over the tunnel: an Ed25519 JWK with its `kid`. */
export interface DecisionPublicJwk extends JsonWebKey {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  kid: string;
}

export function generateDecisionKey(keyId: string = randomUUID()): DecisionSigningKey {
  return { keyId, privateKey: generateKeyPairSync('ed25519').privateKey };
}

export function publicJwkOf(key: DecisionSigningKey): DecisionPublicJwk {
  const jwk = createPublicKey(key.privateKey).export({ format: 'jwk' }) as { x: string };
  return { kty: 'OKP', crv: 'Ed25519', x: jwk.x, kid: key.keyId };
}

/**
 * The public keys an agent trusts, by key id. Rotation: the broker publishes the new key next to
 * the old one, starts signing with the new one, and drops the old one once its decisions expired.
 */
export class DecisionKeySet {
  private keys = new Map<string, KeyObject>();

  constructor(jwks: DecisionPublicJwk[] = []) {
    this.replace(jwks);
  }

  replace(jwks: DecisionPublicJwk[]): void {
    const next = new Map<string, KeyObject>();
    for (const jwk of jwks) {
      if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string' || !jwk.kid) {
        throw new TypeError(`decision key ${jwk.kid ?? '(no kid)'} is not an Ed25519 public JWK`);
      }
      next.set(jwk.kid, createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, format: 'jwk' }));
    }
    this.keys = next;
  }

  get(keyId: string): KeyObject | undefined {
    return this.keys.get(keyId);
  }

  get size(): number {
    return this.keys.size;
  }
}
