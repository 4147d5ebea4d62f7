export { createRefreshTokenService, type RefreshTokenService } from './refresh-token.service';
export { createSuccessorDeriver } from './refresh-token';
export { type AuthMethod, ENDED_SESSION_RETENTION_SECONDS, type SessionRecord } from './session.model';
export { createSessionService, type ReauthLimits, type SessionClaims, type SessionService } from './session.service';
export { type SessionView, toSessionView } from './session.view';
export { sessionResponse } from './session.response';
