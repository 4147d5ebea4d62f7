import { z } from 'zod';
import { emptyBodySchema, nameSchema, objectIdSchema } from '../../lib/common.schemas';

/** Base64url without padding, as WebAuthn's JSON forms carry binary; bounded so no field can be huge. */
const base64url = (maxLength: number) =>
  z
    .string()
    .min(1)
    .max(maxLength)
    .regex(/^[A-Za-z0-9_-]+$/, { error: 'must be base64url' });

const credentialId = base64url(1366).meta({ description: 'The credential id (base64url).' });
const AUTHENTICATOR_TRANSPORTS = ['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb'] as const;

/** What browsers return besides the response (credProps, prf, ...): opaque here, never stored. */
const clientExtensionResults = z.record(z.string().max(64), z.unknown()).meta({ description: 'AuthenticationExtensionsClientOutputs' });

const credentialFields = {
  id: credentialId,
  rawId: credentialId,
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
  clientExtensionResults,
  type: z.literal('public-key'),
};

/** RegistrationResponseJSON (WebAuthn Level 3), as `@simplewebauthn/browser` or `credential.toJSON()` make it. */
export const registrationResponseSchema = z
  .strictObject({
    ...credentialFields,
    response: z.strictObject({
      clientDataJSON: base64url(4096),
      attestationObject: base64url(65_536),
      authenticatorData: base64url(65_536).optional(),
      transports: z.array(z.enum(AUTHENTICATOR_TRANSPORTS)).max(AUTHENTICATOR_TRANSPORTS.length).optional(),
      publicKeyAlgorithm: z.int().optional(),
      publicKey: base64url(4096).optional(),
    }),
  })
  .meta({ id: 'PasskeyRegistrationResponse' });

/** AuthenticationResponseJSON (WebAuthn Level 3). */
export const authenticationResponseSchema = z
  .strictObject({
    ...credentialFields,
    response: z.strictObject({
      clientDataJSON: base64url(4096),
      authenticatorData: base64url(65_536),
      signature: base64url(1024),
      userHandle: base64url(128).optional(),
    }),
  })
  .meta({ id: 'PasskeyAuthenticationResponse' });

const passkeyIdParams = z.strictObject({ id: credentialId });

/** Request schemas of the passkey routes (/me/passkeys, /users/:id/passkeys, /auth/passkey). */
export function createPasskeysSchemas() {
  return {
    registrationOptions: {
      // An account without a password sends none: a recent sign-in stands in for it (as for linking a provider).
      body: z
        .strictObject({ password: z.string().max(1024).default('') })
        .meta({ examples: [{ password: 'correct horse battery staple' }] }),
    },
    register: { body: z.strictObject({ response: registrationResponseSchema, name: nameSchema.optional() }) },
    list: {},
    rename: { params: passkeyIdParams, body: z.strictObject({ name: nameSchema }) },
    remove: { params: passkeyIdParams, body: emptyBodySchema },
    removeAllByAdmin: { params: z.strictObject({ id: objectIdSchema }), body: emptyBodySchema },
  };
}

/** Request schemas of passwordless sign-in (POST /auth/passkey/options and /verify, served by the auth module). */
export const passkeySignInSchemas = {
  options: { body: emptyBodySchema },
  verify: {
    body: z.strictObject({
      challengeId: base64url(128).meta({ description: 'The challengeId of POST /auth/passkey/options.' }),
      response: authenticationResponseSchema,
    }),
  },
};

export type PasskeysSchemas = ReturnType<typeof createPasskeysSchemas>;
