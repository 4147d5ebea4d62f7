export { type AccountMailService, createAccountMailService } from './account-mail.service';
export { type AccountRecoveryController, createAccountRecoveryController } from './account-recovery.controller';
export { type AccountRecoverySchemas, createAccountRecoverySchemas } from './account-recovery.schemas';
export { type AccountTokenService, createAccountTokenService } from './account-token.service';
export { createEmailChangeService } from './email-change.service';
export { createEmailVerificationService, type EmailVerificationService } from './email-verification.service';
export { createPasswordResetService } from './password-reset.service';
export { createMyAddressRouter, createRecoveryRouter } from './account-recovery.routes';
export { type AfterAddressProven } from './address-proof';
