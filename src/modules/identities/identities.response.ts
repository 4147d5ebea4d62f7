import { z } from 'zod';

const dataOf = <T extends z.ZodType>(schema: T) => z.strictObject({ data: schema });

export const oauthProvidersResponse = dataOf(
  z.array(z.strictObject({ id: z.string(), name: z.string() }).meta({ id: 'OAuthProvider' })),
).meta({ examples: [{ data: [{ id: 'google', name: 'Google' }] }] });

export const identitiesResponse = dataOf(
  z.array(
    z
      .strictObject({
        provider: z.string(),
        email: z.string().nullable().describe('the address the provider reported when the identity was last used'),
        linkedAt: z.iso.datetime(),
      })
      .meta({ id: 'Identity' }),
  ),
);

export const identityLinkResponse = dataOf(
  z.strictObject({ url: z.url().describe("the provider's sign-in page; open it in this browser (the binding cookie was just set)") }),
);
