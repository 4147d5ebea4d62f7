export { createMfaChallengeService, invalidMfaToken, type MfaChallengeService } from './mfa-challenge.service';
export { createMfaCodeService, type MfaCodeService, type SecondFactor } from './mfa-code.service';
export { createMfaController } from './mfa.controller';
export { createMfaSchemas, type MfaSchemas } from './mfa.schemas';
export { createMfaService } from './mfa.service';
export { createReauthService, invalidMfaCode, type ReauthService } from './reauth.service';
export { createMfaAdminRouter, createMfaRouter } from './mfa.routes';
