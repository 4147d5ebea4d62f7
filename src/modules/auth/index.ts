export { createAuthController } from './auth.controller';
export { createAuthRouter } from './auth.routes';
export { createAuthSchemas } from './auth.schemas';
export { createAuthService, type GeoLookup } from './auth.service';
export { createAuthenticate, createCallerResolver } from './authenticate';
export { createDeviceCookie } from './device-cookie';
export { createDeviceTokens } from './device-token';
export { accountThrottleKey, createLoginThrottleService, type LoginThrottleService } from './login-throttle.service';
export { createRefreshCookie, type RefreshCookie } from './refresh-cookie';
