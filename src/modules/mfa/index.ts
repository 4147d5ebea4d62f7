export { createMfaChallengeService, invalidMfaToken, type MfaChallengeService } from './mfa-challenge.service';
export { createMfaCodeService, type MfaCodeService, type SecondFactor } from './mfa-code.service';
export { createMfaController } from './mfa.controller';
export { createMfaRouter } from './mfa.routes';
export { createMfaSchemas, type MfaSchemas } from './mfa.schemas';
export { createMfaService } from './mfa.service';
