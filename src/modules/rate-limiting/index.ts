export { createSharedRateLimitStore } from './rate-limit-store.service';
