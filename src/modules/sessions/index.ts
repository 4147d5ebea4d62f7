export { clientInfoOf } from './client-info';
export { RefreshTokenModel } from './refresh-token.model';
export { createRefreshTokenService, type RefreshTokenService } from './refresh-token.service';
export { createSuccessorDeriver, hashRefreshToken } from './refresh-token';
export { AUTH_METHODS, type AuthMethod, ENDED_SESSION_RETENTION_SECONDS, SessionModel, type SessionRecord } from './session.model';
export { type AuthContext, type ClientInfo, createSessionService, type SessionService } from './session.service';
export { type Location, type SessionView, toSessionView } from './session.view';
export { sessionResponse } from './session.response';
