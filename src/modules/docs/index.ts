export { createDocsRouter } from './docs.routes';
export { buildOpenApiDocument } from './openapi.document';
