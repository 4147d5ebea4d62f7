import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const CLIENT_GENERATED_DIR = path.resolve(__dirname, '../../packages/client/src/generated');

// openapi-typescript needs require(esm), which jest lacks on Node 20: the check runs in its own process.
function checkGenerated(directory: string): { status: number | null; stderr: string } {
  const child = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/client-generate.ts', '--check', '--dir', directory], {
    cwd: path.resolve(__dirname, '../..'),
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: child.status, stderr: child.stderr };
}

describe('the generated sources of @keyhold/client', () => {
  it('when the checked-in types and operation table are compared with the served OpenAPI document, then they match', () => {
    expect(checkGenerated(CLIENT_GENERATED_DIR)).toEqual({ status: 0, stderr: '' });
  });

  it('when a generated file differs from the document, then the check fails and says how to fix it', () => {
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'client-generated-'));
    try {
      fs.cpSync(CLIENT_GENERATED_DIR, copy, { recursive: true });
      const table = path.join(copy, 'operations.ts');
      fs.writeFileSync(table, fs.readFileSync(table, 'utf8').replace(/\n {2}getMe: .*\n/, '\n'));
      const outcome = checkGenerated(copy);
      expect(outcome.status).toBe(1);
      expect(outcome.stderr).toContain('out of date (operations.ts): run npm run client:generate');
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
  });
});
