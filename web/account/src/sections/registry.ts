import { emailSection } from './email';
import { passwordSection } from './password';
import { profileSection } from './profile';
import type { AccountSection } from './section';
import { sessionsSection } from './sessions';
import { twoStepSection } from './two-step';

/** The signed-in page, in order. A new capability (passkeys, linked providers) adds its section here. */
export const ACCOUNT_SECTIONS: readonly AccountSection[] = [profileSection, emailSection, passwordSection, twoStepSection, sessionsSection];
