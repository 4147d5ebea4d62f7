import { emailSection } from './email';
import { passkeysSection } from './passkeys';
import { passwordSection } from './password';
import { profileSection } from './profile';
import type { AccountSection } from './section';
import { sessionsSection } from './sessions';
import { signInProvidersSection } from './sign-in-providers';
import { twoStepSection } from './two-step';

/** The signed-in page, in order. A new capability adds its section here. */
export const ACCOUNT_SECTIONS: readonly AccountSection[] = [
  profileSection,
  emailSection,
  passwordSection,
  twoStepSection,
  passkeysSection,
  signInProvidersSection,
  sessionsSection,
];
