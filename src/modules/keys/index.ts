export { createAccessTokenIssuer, type AccessGrant, type AccessTokenIssuer } from './access-token';
export { createKeyRing, KeyRingLockedError, type KeyRing } from './key-ring.service';
export { createKeysController } from './keys.controller';
export { createKeysJob } from './keys.job';
export { createKeysRouter, createWellKnownRouter } from './keys.routes';
export { createKeysSchemas } from './keys.schemas';
export { discoveryResponse, jwksResponse, signingKeyResponse } from './keys.response';
