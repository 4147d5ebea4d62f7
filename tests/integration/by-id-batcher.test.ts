import mongoose, { Schema, Types } from 'mongoose';
import { createByIdBatcher, MAX_BATCH_SIZE } from '../../src/db/by-id-batcher';
import { useTestDatabase } from '../support/database';

interface Item {
  _id: Types.ObjectId;
  label: string;
  secret?: string;
}

const nextLoopTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('by-_id batcher', () => {
  useTestDatabase();
  const ItemModel = mongoose.model('BatchedItem', new Schema({ label: String, secret: String }));

  afterEach(() => jest.restoreAllMocks());

  async function seedItems(count: number): Promise<Item[]> {
    return ItemModel.insertMany(Array.from({ length: count }, (_, i) => ({ label: `item ${i}`, secret: 'x' }))).then((docs) =>
      docs.map((doc) => doc.toObject() as Item),
    );
  }

  it('when lookups arrive together, then one query answers each with its own document or null, with the projection applied', async () => {
    const items = await seedItems(5);
    const find = jest.spyOn(ItemModel.collection, 'find');
    const batcher = createByIdBatcher<Item>(ItemModel.collection, { projection: { label: 1 } });
    const missing = new Types.ObjectId();
    const ids = [items[0]!._id, items[3]!._id, missing, items[0]!._id, items[4]!._id, items[4]!._id.toHexString()];

    const found = await Promise.all(ids.map((id) => batcher.load(id)));

    expect(find).toHaveBeenCalledTimes(1);
    expect(found.map((item) => item?.label ?? null)).toEqual(['item 0', 'item 3', null, 'item 0', 'item 4', null]);
    expect(found[0]).not.toHaveProperty('secret');
  });

  it('when a lookup is asked while a query is in flight, then it gets a query of its own and sees writes committed before it', async () => {
    const [item] = await seedItems(1);
    const find = jest.spyOn(ItemModel.collection, 'find');
    const batcher = createByIdBatcher<Item>(ItemModel.collection);

    const first = batcher.load(item!._id);
    await nextLoopTurn();
    expect(find).toHaveBeenCalledTimes(1);
    await ItemModel.updateOne({ _id: item!._id }, { $set: { label: 'renamed' } });
    const second = batcher.load(item!._id);

    expect((await second)?.label).toBe('renamed');
    expect(find).toHaveBeenCalledTimes(2);
    expect(['item 0', 'renamed']).toContain((await first)?.label);
  });

  it('when more lookups arrive than a batch holds, then they are split into batches of at most that size', async () => {
    const items = await seedItems(2 * MAX_BATCH_SIZE + 5);
    const find = jest.spyOn(ItemModel.collection, 'find');
    const batcher = createByIdBatcher<Item>(ItemModel.collection);

    const found = await Promise.all(items.map((item) => batcher.load(item._id)));

    expect(found.map((item) => item?.label)).toEqual(items.map((item) => item.label));
    expect(find).toHaveBeenCalledTimes(3);
    const batchSizes = find.mock.calls.map(([filter]) => (filter as { _id: { $in: unknown[] } })._id.$in.length);
    expect(batchSizes).toEqual([MAX_BATCH_SIZE, MAX_BATCH_SIZE, 5]);
  });

  it('when the query fails, then every lookup of that batch is rejected and the next batch works again', async () => {
    const [item] = await seedItems(1);
    const batcher = createByIdBatcher<Item>(ItemModel.collection);
    jest.spyOn(ItemModel.collection, 'find').mockImplementationOnce(() => {
      throw new Error('connection reset');
    });

    const failed = await Promise.allSettled([batcher.load(item!._id), batcher.load(new Types.ObjectId())]);

    expect(failed.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    expect((await batcher.load(item!._id))?.label).toBe('item 0');
  });
});
