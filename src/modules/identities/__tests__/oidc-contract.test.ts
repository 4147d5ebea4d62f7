import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { OAuth2Server } from 'oauth2-mock-server';
import { toOpenApiPath } from '../../docs/openapi.document';
import {
  exchangeCode,
  locationOf,
  nextIdentity,
  providerEnv,
  signInAtProvider,
  startTestProvider,
  TestBrowser,
  useOidcTestApp,
} from '../../../../tests/support/oidc';

type Json = Record<string, unknown>;
interface OpenApiDocument {
  paths: Record<string, Record<string, { operationId: string; responses: Record<string, { content?: Record<string, { schema: Json }> }> }>>;
  components: Json;
}

/** The OIDC routes' real answers against their OpenAPI description (the contract suite has no provider to sign in with). */
describe('the OIDC routes and the OpenAPI document', () => {
  let idp: OAuth2Server;
  beforeAll(async () => {
    idp = await startTestProvider();
  });
  afterAll(() => idp.stop());
  const ctx = useOidcTestApp(() => ({ OIDC_PROVIDERS: 'acme', ...providerEnv('acme', idp.issuer.url!) }));
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);

  async function expectDocumented(document: OpenApiDocument, method: string, path: string, response: Response): Promise<void> {
    const documented = document.paths[toOpenApiPath(path)]?.[method]?.responses[String(response.status)];
    expect(documented).toBeDefined();
    if (response.status === 204 || response.status === 302) return;
    const contentType = String(response.headers.get('content-type')).split(';')[0]!;
    const validate = ajv.compile({ ...documented!.content![contentType]!.schema, components: document.components });
    expect(validate(await response.json())).toBe(true);
    expect(validate.errors ?? []).toEqual([]);
  }

  it('when each route answers, then the status is documented and the body matches its schema', async () => {
    const document = (await (await fetch(`${ctx.url}/openapi.json`)).json()) as OpenApiDocument;
    expect(document.paths['/api/v1/auth/oauth/exchange']?.post?.operationId).toBe('exchangeOAuthCode');
    const browser = new TestBrowser();
    const start = await browser.fetch(`${ctx.url}/api/v1/auth/oauth/acme/start`);
    await expectDocumented(document, 'get', '/api/v1/auth/oauth/:provider/start', start);
    nextIdentity(idp, { sub: 'contract-1', email: 'contract.one@example.test', email_verified: true });
    const { completion } = await signInAtProvider(ctx, browser, 'acme');
    const callback = await browser.fetch(`${ctx.url}/api/v1/auth/oauth/acme/callback?state=unknown`);
    expect(locationOf(callback).searchParams.get('error')).toBe('OAUTH_STATE_INVALID');
    await expectDocumented(document, 'get', '/api/v1/auth/oauth/:provider/callback', callback);
    const exchanged = await exchangeCode(ctx, browser, completion.searchParams.get('code')!);
    const { accessToken } = (await exchanged.clone().json()).data;
    const bearer = { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' };

    const samples: Array<[string, string, Response]> = [
      ['get', '/api/v1/auth/oauth/providers', await fetch(`${ctx.url}/api/v1/auth/oauth/providers`)],
      ['post', '/api/v1/auth/oauth/exchange', exchanged],
      ['post', '/api/v1/auth/oauth/exchange', await exchangeCode(ctx, browser, 'unknown')],
      ['get', '/api/v1/me/identities', await fetch(`${ctx.url}/api/v1/me/identities`, { headers: bearer })],
      [
        'post',
        '/api/v1/me/identities/:provider',
        await browser.fetch(`${ctx.url}/api/v1/me/identities/acme`, { method: 'POST', headers: bearer, body: '{}' }),
      ],
      [
        'delete',
        '/api/v1/me/identities/:provider',
        await fetch(`${ctx.url}/api/v1/me/identities/acme`, { method: 'DELETE', headers: bearer }),
      ],
    ];
    for (const [method, path, response] of samples) await expectDocumented(document, method, path, response);
  });
});
