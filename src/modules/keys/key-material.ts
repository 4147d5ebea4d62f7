import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { SecretBox } from '../../lib/secret-box';

export const SIGNING_ALGORITHMS = ['ES256', 'RS256'] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

const RSA_MODULUS_BITS = 2048;

/** A public key as the JWKS publishes it: never a private member. */
export interface PublicJwk {
  kty: string;
  kid: string;
  alg: SigningAlgorithm;
  use: 'sig';
  crv?: string;
  x?: string;
  y?: string;
  n?: string;
  e?: string;
}

/** A freshly made key pair: the public JWK to publish and the private key sealed for storage. */
export interface GeneratedKey {
  kid: string;
  alg: SigningAlgorithm;
  publicJwk: PublicJwk;
  sealedPrivateKey: string;
}

/** The members RFC 7638 hashes, in its lexicographic order, for each key type. */
const THUMBPRINT_MEMBERS: Record<string, readonly string[]> = { EC: ['crv', 'kty', 'x', 'y'], RSA: ['e', 'kty', 'n'] };

/** The RFC 7638 SHA-256 thumbprint of a public JWK, base64url: the same key always gets the same kid. */
export function thumbprintOf(jwk: JsonWebKey): string {
  const members = THUMBPRINT_MEMBERS[String(jwk.kty)];
  if (!members) throw new Error(`no thumbprint for key type ${String(jwk.kty)}`);
  const canonical = `{${members.map((name) => `${JSON.stringify(name)}:${JSON.stringify(jwk[name as keyof JsonWebKey])}`).join(',')}}`;
  return createHash('sha256').update(canonical).digest('base64url');
}

function generatePair(alg: SigningAlgorithm): { publicKey: KeyObject; privateKey: KeyObject } {
  return alg === 'ES256'
    ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
    : generateKeyPairSync('rsa', { modulusLength: RSA_MODULUS_BITS, publicExponent: 0x10001 });
}

/** The public half as a JWK with only public members (kty, crv/x/y or n/e), plus kid, alg and use. */
export function publicJwkOf(publicKey: KeyObject, alg: SigningAlgorithm): PublicJwk {
  const { kty, crv, x, y, n, e } = publicKey.export({ format: 'jwk' });
  const members = kty === 'EC' ? { kty, crv, x, y } : { kty: String(kty), n, e };
  return { ...members, kty: String(kty), kid: thumbprintOf(members), alg, use: 'sig' };
}

/** Makes a key pair with node:crypto; the private key leaves this function only sealed. */
export function generateSigningKey(alg: SigningAlgorithm, box: SecretBox): GeneratedKey {
  const { publicKey, privateKey } = generatePair(alg);
  const publicJwk = publicJwkOf(publicKey, alg);
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  return { kid: publicJwk.kid, alg, publicJwk, sealedPrivateKey: box.seal(pem) };
}

/** The verifying key of a published JWK. */
export function publicKeyOf(jwk: PublicJwk): KeyObject {
  const { kid: _kid, alg: _alg, use: _use, ...members } = jwk;
  return createPublicKey({ key: members as JsonWebKey, format: 'jwk' });
}

/** The signing key of a stored, sealed private key; throws when the box cannot open it. */
export function privateKeyOf(sealedPrivateKey: string, box: SecretBox): KeyObject {
  return createPrivateKey(box.open(sealedPrivateKey));
}
