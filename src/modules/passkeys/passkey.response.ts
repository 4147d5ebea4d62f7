import { z } from 'zod';
import { timestampResponse } from '../../lib/response.schemas';
import { PASSKEY_DEVICE_TYPES } from './passkey.model';

export const passkeyResponse = z
  .strictObject({
    id: z.string().meta({ description: 'The credential id (base64url).' }),
    name: z.string(),
    createdAt: timestampResponse,
    lastUsedAt: timestampResponse.nullable(),
    deviceType: z
      .enum(PASSKEY_DEVICE_TYPES)
      .meta({ description: '`multiDevice`: backup-eligible (synced); `singleDevice`: bound to one authenticator.' }),
    backedUp: z.boolean(),
    transports: z.array(z.string()),
  })
  .meta({ id: 'Passkey' });

/** The WebAuthn options JSON a browser passes to navigator.credentials (documented loosely: it is the standard's). */
const creationOptions = z
  .looseObject({ challenge: z.string(), rp: z.looseObject({ id: z.string(), name: z.string() }), user: z.looseObject({ id: z.string() }) })
  .meta({ id: 'PublicKeyCredentialCreationOptionsJSON' });
const requestOptions = z
  .looseObject({ challenge: z.string(), rpId: z.string(), userVerification: z.literal('required') })
  .meta({ id: 'PublicKeyCredentialRequestOptionsJSON' });

export const passkeyEnvelopeResponse = z.strictObject({ data: z.strictObject({ passkey: passkeyResponse }) });
export const passkeyListResponse = z.strictObject({ data: z.array(passkeyResponse) });
export const registrationOptionsResponse = z.strictObject({ data: z.strictObject({ options: creationOptions }) });
export const signInOptionsResponse = z.strictObject({ data: z.strictObject({ options: requestOptions, challengeId: z.string() }) });
