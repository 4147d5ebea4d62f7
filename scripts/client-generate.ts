/**
 * `npm run client:generate`: regenerates packages/client/src/generated from the OpenAPI document the service
 * serves (built in-process with default settings). Run it after adding or changing a route.
 * `--check` writes nothing and fails while the checked-in files differ (the drift test runs it).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildDocsConfig } from './lib/docs-config';
import { CLIENT_GENERATED_DIR, renderClientSources } from './lib/client-sources';
import { buildOpenApiDocument } from '../src/modules/docs/openapi.document';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { check: { type: 'boolean', default: false }, dir: { type: 'string', default: CLIENT_GENERATED_DIR } },
  });
  const directory = path.resolve(values.dir);
  const sources = await renderClientSources(buildOpenApiDocument(buildDocsConfig({})));
  if (values.check) {
    const stale = Object.keys(sources).filter((name) => {
      const target = path.join(directory, name);
      return !fs.existsSync(target) || fs.readFileSync(target, 'utf8') !== sources[name];
    });
    const extra = fs.readdirSync(directory).filter((name) => !(name in sources));
    if (stale.length + extra.length > 0) {
      process.stderr.write(
        `${path.relative(process.cwd(), directory)} is out of date (${[...stale, ...extra].join(', ')}): run npm run client:generate\n`,
      );
      process.exitCode = 1;
    }
    return;
  }
  fs.mkdirSync(directory, { recursive: true });
  for (const [name, content] of Object.entries(sources)) {
    const target = path.join(directory, name);
    fs.writeFileSync(target, content);
    process.stdout.write(`wrote ${path.relative(process.cwd(), target)}\n`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
