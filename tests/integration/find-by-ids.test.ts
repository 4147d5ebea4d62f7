import mongoose, { Schema, Types } from 'mongoose';
import { findByIds, findByObjectIdHexes } from '../../src/db/find-by-ids';
import { useTestDatabase } from '../support/database';

interface Item {
  _id: Types.ObjectId;
  label: string;
  secret?: string;
}

describe('reads by _id', () => {
  useTestDatabase();
  const ItemModel = mongoose.model('BatchedItem', new Schema({ label: String, secret: String }));

  afterEach(() => jest.restoreAllMocks());

  async function seedItems(count: number): Promise<Item[]> {
    return ItemModel.insertMany(Array.from({ length: count }, (_, i) => ({ label: `item ${i}`, secret: 'x' }))).then((docs) =>
      docs.map((doc) => doc.toObject() as Item),
    );
  }

  it('when ids are read together, then one query answers each with its own document or null, with the projection applied', async () => {
    const items = await seedItems(5);
    const find = jest.spyOn(ItemModel.collection, 'find');
    const missing = new Types.ObjectId();
    const ids = [items[0]!._id, items[3]!._id, missing, items[0]!._id, items[4]!._id, items[4]!._id.toHexString()];

    const found = await findByIds<Item>(ItemModel.collection, ids, { label: 1 });

    expect(find).toHaveBeenCalledTimes(1);
    // A repeated id is asked for once; a string with an ObjectId's hex is another _id to the server.
    expect((find.mock.calls[0]![0] as { _id: { $in: unknown[] } })._id.$in).toHaveLength(5);
    expect(found.map((item) => item?.label ?? null)).toEqual(['item 0', 'item 3', null, 'item 0', 'item 4', null]);
    expect(found[0]).not.toHaveProperty('secret');
  });

  it('when ids come as hex strings, then each distinct one is read once and every caller gets its document, whatever the case', async () => {
    const items = await seedItems(3);
    const find = jest.spyOn(ItemModel.collection, 'find');
    const hex = items.map((item) => item._id.toHexString());
    const asked = [hex[0]!, hex[1]!, hex[0]!, hex[2]!.toUpperCase(), new Types.ObjectId().toHexString(), 'not-an-id', 'abcdefghijkl'];

    const found = await findByObjectIdHexes<Item>(ItemModel.collection, asked, { label: 1 });

    expect(find).toHaveBeenCalledTimes(1);
    expect((find.mock.calls[0]![0] as { _id: { $in: unknown[] } })._id.$in).toHaveLength(4);
    expect(found.map((item) => item?.label ?? null)).toEqual(['item 0', 'item 1', 'item 0', 'item 2', null, null, null]);
    expect(found[0]).not.toHaveProperty('secret');
  });

  it('when no hex string is an ObjectId, then every caller gets null and no query runs', async () => {
    const find = jest.spyOn(ItemModel.collection, 'find');

    expect(await findByObjectIdHexes<Item>(ItemModel.collection, ['', 'xyz', '0'.repeat(23)])).toEqual([null, null, null]);
    expect(find).not.toHaveBeenCalled();
  });

  it('when the query fails, then the read fails with its error', async () => {
    const [item] = await seedItems(1);
    jest.spyOn(ItemModel.collection, 'find').mockImplementationOnce(() => {
      throw new Error('connection reset');
    });

    await expect(findByObjectIdHexes<Item>(ItemModel.collection, [item!._id.toHexString()])).rejects.toThrow('connection reset');
    expect((await findByObjectIdHexes<Item>(ItemModel.collection, [item!._id.toHexString()]))[0]?.label).toBe('item 0');
  });
});
