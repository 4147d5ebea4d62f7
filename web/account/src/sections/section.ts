import type { User } from '@keyhold/client';

/** What a section of the signed-in page gets: the account as loaded, and a way to reload the page. */
export interface SectionContext {
  user: User;
  /** Loads the account again and re-renders every section (after a change other sections show). */
  reload: () => Promise<void>;
}

/**
 * One part of the signed-in page. Adding one (passkeys, linked sign-in providers) is a new file
 * exporting a section, and one line in registry.ts.
 */
export interface AccountSection {
  id: string;
  title: string;
  render: (context: SectionContext) => Node;
}
