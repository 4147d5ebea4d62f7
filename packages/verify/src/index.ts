export { KeyholdTokenError } from './errors.js';
export type { KeyholdErrorCode } from './errors.js';
export { requireKeyholdToken } from './middleware.js';
export type { KeyholdAuth, KeyholdTokenMiddleware, RequireKeyholdTokenOptions } from './middleware.js';
export { PROBLEM_CONTENT_TYPE, problemResponseOf } from './problem.js';
export type { KeyholdProblem, KeyholdProblemResponse } from './problem.js';
export { ACCEPTED_ALGORITHMS, MAX_CLOCK_TOLERANCE_SECONDS, TOKEN_TYPE, createKeyholdVerifier } from './verifier.js';
export type { KeyholdClaims, KeyholdRole, KeyholdVerifier, KeyholdVerifierOptions } from './verifier.js';
