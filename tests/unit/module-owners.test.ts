import { readdirSync } from 'node:fs';
import path from 'node:path';
import mongoose from 'mongoose';

const MODULES_DIR = path.resolve(__dirname, '../../src/modules');
const modules = readdirSync(MODULES_DIR, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

const isModel = (value: unknown): boolean =>
  typeof value === 'function' && (value as { prototype?: unknown }).prototype instanceof mongoose.Model;

/**
 * One owner per collection: a module's index, the only thing other modules may import (lint enforces
 * that), never hands out a Mongoose model, so only the owner's own files can touch its collection.
 */
describe('module indexes', () => {
  it.each(modules)('when other modules import %s, then its index exports no Mongoose model', async (name) => {
    const exported: Record<string, unknown> = await import(path.join(MODULES_DIR, name, 'index.ts'));

    const models = Object.entries(exported)
      .filter(([, value]) => isModel(value))
      .map(([key]) => key);

    expect(models).toEqual([]);
  });

  it('when the layout is read, then every capability of today has its module', () => {
    expect(modules).toEqual(
      expect.arrayContaining([
        'auth',
        'sessions',
        'users',
        'mfa',
        'account-recovery',
        'mail',
        'audit',
        'geoip',
        'rate-limiting',
        'operations',
        'docs',
        'habits',
        'account-pages',
        'passkeys',
        'identities',
      ]),
    );
  });
});
