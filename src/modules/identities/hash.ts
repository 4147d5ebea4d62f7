import { createHash } from 'node:crypto';

/** SHA-256 of a random secret (state, code, binding): what is stored and looked up instead of the secret. */
export const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex');
