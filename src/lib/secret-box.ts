import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const VERSION = 'v1';

export interface SecretBox {
  /** Encrypts and authenticates a secret under the current key. */
  seal(plaintext: string): string;
  /** Decrypts a value sealed under the current or the previous key; throws when it was tampered with. */
  open(sealed: string): string;
  /** True when the value was sealed under a key other than the current one (it should be re-sealed). */
  needsResealing(sealed: string): boolean;
}

/** A short public name of a key, so a sealed value says which key opens it (rotation) without revealing it. */
function keyIdOf(key: Buffer): string {
  return createHmac('sha256', key).update('keyhold key id').digest('base64url').slice(0, 8);
}

/**
 * AES-256-GCM with a random 96-bit IV per value: `v1.<keyId>.<iv>.<tag>.<ciphertext>` (base64url).
 * The key id and version are bound as additional authenticated data, so parts cannot be swapped.
 */
export function createSecretBox(keys: { key: string; previousKey?: string | null }): SecretBox {
  const current = Buffer.from(keys.key, 'hex');
  const byId = new Map<string, Buffer>([[keyIdOf(current), current]]);
  if (keys.previousKey) byId.set(keyIdOf(Buffer.from(keys.previousKey, 'hex')), Buffer.from(keys.previousKey, 'hex'));
  const currentId = keyIdOf(current);

  function seal(plaintext: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, current, iv);
    cipher.setAAD(Buffer.from(`${VERSION}.${currentId}`));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, currentId, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ciphertext.toString('base64url')].join(
      '.',
    );
  }

  function open(sealed: string): string {
    const [version, keyId, iv, tag, ciphertext] = sealed.split('.');
    const key = keyId ? byId.get(keyId) : undefined;
    if (version !== VERSION || !key || !iv || !tag || ciphertext === undefined) {
      throw new Error('sealed value is malformed or its key is not configured');
    }
    const decipher = createDecipheriv(ALGORITHM, key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(`${version}.${keyId}`));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
  }

  function needsResealing(sealed: string): boolean {
    return sealed.split('.')[1] !== currentId;
  }

  return { seal, open, needsResealing };
}
