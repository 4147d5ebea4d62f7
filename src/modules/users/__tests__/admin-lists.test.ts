import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Types } from 'mongoose';
import { AuditEventModel } from '../../audit/audit-event.model';
import { UserModel } from '../user.model';
import { useTestApp } from '../../../../tests/support/context';
import { buildUser, loginAs, type SignedIn } from '../../../../tests/support/factories';

interface ListBody {
  data: { id: string }[];
  meta: { total: number; page: number; limit: number; totalPages: number };
}

describe('admin lists under concurrent requests', () => {
  const ctx = useTestApp();
  let server: Server;
  let baseUrl: string;
  let admin: SignedIn;

  beforeAll(async () => {
    server = ctx.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    admin = await loginAs(ctx.app, await buildUser(ctx.container, { role: 'admin' }));
    await UserModel.insertMany(
      Array.from({ length: 40 }, (_, index) => ({ email: `listed.${index}@example.test`, passwordHash: 'not-a-real-hash', role: 'user' })),
    );
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  async function list(path: string): Promise<ListBody> {
    const response = await fetch(`${baseUrl}${path}`, { headers: { authorization: `Bearer ${admin.accessToken}` } });
    expect(response.status).toBe(200);
    return (await response.json()) as ListBody;
  }

  it('when 20 identical user lists run at once, then each is the newest page by creation with the exact total', async () => {
    const pages = await Promise.all(Array.from({ length: 20 }, () => list('/api/v1/users?limit=20')));

    const newest = await UserModel.find({}, { _id: 1 }).sort({ _id: -1 }).limit(20).lean();
    const total = await UserModel.countDocuments({});
    for (const page of pages) {
      expect(page.data.map((user) => user.id)).toEqual(newest.map((user) => user._id.toString()));
      expect(page.meta).toEqual({ page: 1, limit: 20, total, totalPages: Math.ceil(total / 20) });
    }
  });

  it('when a user is created between two lists, then the next list shows it first and counts it', async () => {
    const before = await list('/api/v1/users?limit=5');
    const created = await UserModel.create({ email: 'newest@example.test', passwordHash: 'not-a-real-hash' });

    const [after, again] = await Promise.all([list('/api/v1/users?limit=5'), list('/api/v1/users?limit=5')]);

    for (const page of [after, again]) {
      expect(page.data[0]?.id).toBe(created.id);
      expect(page.meta.total).toBe(before.meta.total + 1);
    }
  });

  it('when 20 identical audit lists run at once, then each is the newest page with the exact total', async () => {
    const created = new Date();
    await AuditEventModel.insertMany(
      Array.from({ length: 30 }, () => ({ type: 'auth.login', actorId: new Types.ObjectId(), createdAt: created })),
    );

    const pages = await Promise.all(Array.from({ length: 20 }, () => list('/api/v1/audit-events?limit=10')));

    const newest = await AuditEventModel.find({}, { _id: 1 }).sort({ _id: -1 }).limit(10).lean();
    const total = await AuditEventModel.countDocuments({});
    for (const page of pages) {
      expect(page.data.map((event) => event.id)).toEqual(newest.map((event) => event._id.toString()));
      expect(page.meta.total).toBe(total);
    }
  });
});
