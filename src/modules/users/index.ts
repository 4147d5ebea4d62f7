export { seedAdminFromConfig } from './admin-seed.service';
export { authOf, type AuthContext } from './caller';
export { createLockService, type LockService } from './lock.service';
export { createMeController } from './me.controller';
export { createMeRouter } from './me.routes';
export { createMeSchemas } from './me.schemas';
export { createPasswordPolicy, loadPasswordLists, type PasswordPolicy } from './password-policy';
export { createUserController } from './user.controller';
export {
  createUserSettings,
  DEFAULT_SETTINGS,
  type SettingsSubscriber,
  type UserSettings,
  type UserSettingsRecords,
} from './user-settings.service';
export { createUserRecords, type AccountRecipient, type AuthenticatedUser, type UserRecords } from './user-records.service';
export { userResponse } from './user.response';
export { createUserRouter } from './user.routes';
export { createUserSchemas } from './user.schemas';
export { createUserService, type IdentityProof, type MailedLinks, type Reauthentication, type UserService } from './user.service';
export { toUserView, type UserFields, type UserView } from './user.view';
