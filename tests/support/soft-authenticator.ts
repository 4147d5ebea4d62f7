import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';

/**
 * A software WebAuthn authenticator for tests that need no browser: a real P-256 key, real
 * authenticator data and real signatures, so the server's verification runs unchanged. The browser
 * suite (tests/browser/passkeys.test.ts) covers the same flows with Chromium's virtual authenticator.
 */

type CborValue = number | string | Uint8Array | Map<number | string, CborValue> | { [key: string]: CborValue };

function cborHead(major: number, length: number): Buffer {
  if (length < 24) return Buffer.from([(major << 5) | length]);
  if (length < 0x100) return Buffer.from([(major << 5) | 24, length]);
  if (length < 0x10000) return Buffer.from([(major << 5) | 25, length >> 8, length & 0xff]);
  const head = Buffer.alloc(5);
  head[0] = (major << 5) | 26;
  head.writeUInt32BE(length, 1);
  return head;
}

/** The CBOR subset WebAuthn needs: small integers, text, bytes and maps. */
export function encodeCbor(value: CborValue): Buffer {
  if (typeof value === 'number') return value >= 0 ? cborHead(0, value) : cborHead(1, -1 - value);
  if (typeof value === 'string') return Buffer.concat([cborHead(3, Buffer.byteLength(value)), Buffer.from(value)]);
  if (value instanceof Uint8Array) return Buffer.concat([cborHead(2, value.length), value]);
  const entries = value instanceof Map ? [...value.entries()] : Object.entries(value);
  return Buffer.concat([cborHead(5, entries.length), ...entries.flatMap(([key, item]) => [encodeCbor(key), encodeCbor(item)])]);
}

const FLAG = { up: 0x01, uv: 0x04, be: 0x08, bs: 0x10, at: 0x40 };
const b64url = (bytes: Uint8Array | string): string => Buffer.from(bytes).toString('base64url');
const sha256 = (data: Uint8Array | string): Buffer => createHash('sha256').update(data).digest();

/** What a ceremony may vary: where it runs and which flags and counter the authenticator reports. */
export interface CeremonyOptions {
  origin: string;
  rpId: string;
  userVerified?: boolean;
  backupEligible?: boolean;
  backedUp?: boolean;
}

export class SoftAuthenticator {
  readonly credentialId = randomBytes(16);
  private readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;
  counter = 0;
  /** The user handle the relying party gave at registration (returned with every assertion). */
  userHandle: string | null = null;

  constructor() {
    ({ privateKey: this.privateKey, publicKey: this.publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' }));
  }

  get id(): string {
    return b64url(this.credentialId);
  }

  private coseKey(): Buffer {
    const jwk = this.publicKey.export({ format: 'jwk' });
    return encodeCbor(
      new Map<number, CborValue>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, Buffer.from(jwk.x!, 'base64url')],
        [-3, Buffer.from(jwk.y!, 'base64url')],
      ]),
    );
  }

  private flags(options: CeremonyOptions, extra = 0): number {
    return (
      FLAG.up |
      (options.userVerified === false ? 0 : FLAG.uv) |
      (options.backupEligible ? FLAG.be : 0) |
      (options.backedUp ? FLAG.bs : 0) |
      extra
    );
  }

  private authData(options: CeremonyOptions, flags: number, counter: number, attested?: Buffer): Buffer {
    const count = Buffer.alloc(4);
    count.writeUInt32BE(counter);
    return Buffer.concat([sha256(options.rpId), Buffer.from([flags]), count, ...(attested ? [attested] : [])]);
  }

  /** A RegistrationResponseJSON answering creation options (fmt "none"). */
  register(creationOptions: { challenge: string; user: { id: string } }, options: CeremonyOptions) {
    this.userHandle = creationOptions.user.id;
    const clientDataJSON = JSON.stringify({
      type: 'webauthn.create',
      challenge: creationOptions.challenge,
      origin: options.origin,
      crossOrigin: false,
    });
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(this.credentialId.length);
    const attested = Buffer.concat([Buffer.alloc(16), idLength, this.credentialId, this.coseKey()]);
    const authData = this.authData(options, this.flags(options, FLAG.at), this.counter, attested);
    const attestationObject = encodeCbor({ fmt: 'none', attStmt: {}, authData });
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key' as const,
      clientExtensionResults: {},
      authenticatorAttachment: 'platform' as const,
      response: { clientDataJSON: b64url(clientDataJSON), attestationObject: b64url(attestationObject), transports: ['internal' as const] },
    };
  }

  /** An AuthenticationResponseJSON for a challenge; the counter moves by one unless `counter` is given. */
  assert(challenge: string, options: CeremonyOptions & { counter?: number }) {
    this.counter = options.counter ?? this.counter + 1;
    const clientDataJSON = JSON.stringify({ type: 'webauthn.get', challenge, origin: options.origin, crossOrigin: false });
    const authenticatorData = this.authData(options, this.flags(options), this.counter);
    const signature = sign('sha256', Buffer.concat([authenticatorData, sha256(clientDataJSON)]), this.privateKey);
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key' as const,
      clientExtensionResults: {},
      authenticatorAttachment: 'platform' as const,
      response: {
        clientDataJSON: b64url(clientDataJSON),
        authenticatorData: b64url(authenticatorData),
        signature: b64url(signature),
        ...(this.userHandle ? { userHandle: this.userHandle } : {}),
      },
    };
  }
}
