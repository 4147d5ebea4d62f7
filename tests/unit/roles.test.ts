import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PERMISSIONS, ROLE_PERMISSIONS, ROLES } from '../../src/config/roles';

describe('docs/CLIENTS.md roles table', () => {
  it('when compared with the permission matrix in code, then they agree row by row', () => {
    const readme = readFileSync(path.resolve(__dirname, '../../docs/CLIENTS.md'), 'utf8');
    const table = readme.split('<!-- roles:start -->')[1]!.split('<!-- roles:end -->')[0]!;
    const rows = table
      .trim()
      .split('\n')
      .slice(2)
      .map((line) =>
        line
          .split('|')
          .slice(1, -1)
          .map((cell) => cell.trim()),
      );
    const documented = Object.fromEntries(rows.map(([permission, ...cells]) => [permission!.replace(/`/g, ''), cells]));

    expect(Object.keys(documented).sort()).toEqual([...PERMISSIONS].sort());
    for (const permission of PERMISSIONS) {
      const expected = ROLES.map((role) => (ROLE_PERMISSIONS[role].includes(permission) ? 'yes' : ''));
      expect(documented[permission]).toEqual(expected);
    }
  });
});
