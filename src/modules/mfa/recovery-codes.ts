import { createHash, randomBytes } from 'node:crypto';

export const RECOVERY_CODE_COUNT = 10;
/** 15 random bytes = 120 bits, above ASVS 6.5.2's 112. */
const RECOVERY_CODE_BYTES = 15;
const GROUP_LENGTH = 4;
const BASE32_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

function toBase32(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let output = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      output += BASE32_ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) output += BASE32_ALPHABET[(value << (5 - bits)) & 31];
  return output;
}

/** What a user typed, reduced to the characters that carry the code (groups and case do not matter). */
export function normaliseRecoveryCode(input: string): string {
  return input.toLowerCase().replace(/[\s-]/g, '');
}

/** SHA-256 suffices: a code carries 120 random bits, so no slow hash is needed against guessing. */
export function hashRecoveryCode(input: string): string {
  return createHash('sha256').update(normaliseRecoveryCode(input)).digest('hex');
}

/** Fresh codes, shown in groups of four (`abcd-efgh-...`), and the hashes to store. */
export function generateRecoveryCodes(count = RECOVERY_CODE_COUNT): { codes: string[]; hashes: string[] } {
  const codes = Array.from({ length: count }, () => {
    const plain = toBase32(randomBytes(RECOVERY_CODE_BYTES));
    return plain.match(new RegExp(`.{1,${GROUP_LENGTH}}`, 'g'))!.join('-');
  });
  return { codes, hashes: codes.map(hashRecoveryCode) };
}
