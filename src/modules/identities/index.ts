export { createBindingCookie, type BindingCookie } from './binding-cookie';
export { exchangeBodySchema, createIdentitiesSchemas, type IdentitiesSchemas } from './identities.schemas';
export { createIdentitiesController } from './identities.controller';
export { createIdentitiesServices, redirectUriOf, type AddressProof, type IdentitiesServices } from './identities.module';
export { identitiesResponse, identityLinkResponse, oauthProvidersResponse } from './identities.response';
export { createMyIdentitiesRouter, createOAuthRouter } from './identities.routes';
export { invalidExchangeCode, type CodeGrant } from './exchange-codes.service';
