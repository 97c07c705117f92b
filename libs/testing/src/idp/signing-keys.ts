import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';

async function signingKey(alg: 'RS256' | 'ES256'): Promise<JWK> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, alg, use: 'sig', kid: await calculateJwkThumbprint(jwk) };
}

/**
 * Fresh private signing keys for one start of the dev IdP, so tokens from an earlier start never verify.
 * RS256 comes first: it is what clients get unless they register another `id_token_signed_response_alg`.
 */
export async function generateSigningKeys(): Promise<JWK[]> {
  return Promise.all([signingKey('RS256'), signingKey('ES256')]);
}
