export { createPasskeysController } from './passkeys.controller';
export { createPasskeysServices, type PasskeysServices } from './passkeys.module';
export { createPasskeysAdminRouter, createPasskeysRouter } from './passkeys.routes';
export { createPasskeysSchemas, passkeySignInSchemas, type PasskeysSchemas } from './passkeys.schemas';
export type { PasskeyChange, PasskeyNotifier } from './passkey-notifier';
export type { PasskeySignInService, VerifiedPasskey } from './passkey-sign-in.service';
export { passkeyEnvelopeResponse, passkeyListResponse, registrationOptionsResponse, signInOptionsResponse } from './passkey.response';
