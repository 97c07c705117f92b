import { sign } from 'node:crypto';
import { type DecisionClaims, toPayload } from './decision-claims.js';
import type { DecisionSigningKey } from './decision-keys.js';

export const decisionTokenType = 'tether-decision+jws';

/** Signs decisions as compact JWS (EdDSA over Ed25519). Synchronous: it sits on every request. */
export class DecisionSigner {
  constructor(private key: DecisionSigningKey) {}

  get keyId(): string {
    return this.key.keyId;
  }

  /** The key decisions are signed with now; its public part goes to every agent. */
  get currentKey(): DecisionSigningKey {
    return this.key;
  }

  rotate(key: DecisionSigningKey): void {
    this.key = key;
  }

  sign(claims: DecisionClaims): string {
    const header = { alg: 'EdDSA', typ: decisionTokenType, kid: this.key.keyId };
    const signingInput = `${base64url(header)}.${base64url(toPayload(claims))}`;
    const signature = sign(null, Buffer.from(signingInput, 'ascii'), this.key.privateKey);
    return `${signingInput}.${signature.toString('base64url')}`;
  }
}

function base64url(value: object): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}
