/**
 * `npm run openapi [-- --out openapi.json]`: writes the OpenAPI document for tooling (client generators,
 * linters). It is generated from the same zod schemas as the running service, with default settings.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildDocsConfig } from './lib/docs-config';
import { buildOpenApiDocument } from '../src/modules/docs/openapi.document';

const { values } = parseArgs({ options: { out: { type: 'string', default: 'openapi.json' } } });
const target = path.resolve(values.out);
fs.writeFileSync(target, `${JSON.stringify(buildOpenApiDocument(buildDocsConfig()), null, 2)}\n`);
process.stdout.write(`wrote ${target}\n`);
