/**
 * `npm run openapi [-- --out openapi.json]`: writes the OpenAPI document for tooling (client generators,
 * linters). It is generated from the same zod schemas as the running service, with default settings.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/env';
import { buildOpenApiDocument } from '../src/modules/docs/openapi.document';

const { values } = parseArgs({ options: { out: { type: 'string', default: 'openapi.json' } } });
// Placeholders: the document depends on limits (password length, page size), never on these two.
const config = loadConfig({ ...process.env, MONGODB_URI: 'mongodb://127.0.0.1/keyhold', JWT_SECRET: 'placeholder-not-used-for-docs' });
const target = path.resolve(values.out);
fs.writeFileSync(target, `${JSON.stringify(buildOpenApiDocument(config), null, 2)}\n`);
process.stdout.write(`wrote ${target}\n`);
