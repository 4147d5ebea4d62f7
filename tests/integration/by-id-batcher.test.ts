import mongoose, { Schema, Types } from 'mongoose';
import { createJoinedByIdBatcher, MAX_BATCH_SIZE, type JoinById } from '../../src/db/by-id-batcher';
import { useTestDatabase } from '../support/database';

interface Item {
  _id: Types.ObjectId;
  label: string;
  ownerId: Types.ObjectId;
}

interface Owner {
  _id: Types.ObjectId;
  name: string;
  secret?: string;
}

const nextLoopTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('by-_id batcher, each document with its joined one', () => {
  useTestDatabase();
  const OwnerModel = mongoose.model('BatchedOwner', new Schema({ name: String, secret: String }));
  const ItemModel = mongoose.model('BatchedItem', new Schema({ label: String, ownerId: Schema.Types.ObjectId }));
  const join: JoinById<Owner> = { from: OwnerModel.collection.collectionName, localField: 'ownerId', fields: ['_id', 'name'] };

  afterEach(() => jest.restoreAllMocks());

  async function seedItems(count: number, ownerId = new Types.ObjectId()): Promise<Item[]> {
    const docs = await ItemModel.insertMany(Array.from({ length: count }, (_, i) => ({ label: `item ${i}`, ownerId })));
    return docs.map((doc) => doc.toObject() as Item);
  }

  it('when lookups arrive together, then one query answers each with its document and only the named fields of its joined one', async () => {
    const [owner] = await OwnerModel.insertMany([{ name: 'Ada', secret: 'never read' }]);
    const items = await seedItems(5, owner!._id);
    const [orphan] = await seedItems(1);
    const aggregate = jest.spyOn(ItemModel.collection, 'aggregate');
    const batcher = createJoinedByIdBatcher<Item, Owner>(ItemModel.collection, join);
    const missing = new Types.ObjectId();
    const ids = [items[0]!._id, items[3]!._id, missing, items[0]!._id, orphan!._id, items[4]!._id.toHexString()];

    const found = await Promise.all(ids.map((id) => batcher.load(id)));

    expect(aggregate).toHaveBeenCalledTimes(1);
    expect(found.map((result) => result?.document.label ?? null)).toEqual(['item 0', 'item 3', null, 'item 0', 'item 0', null]);
    expect(found[0]!.joined).toEqual({ _id: owner!._id, name: 'Ada' });
    expect(found[0]!.document).not.toHaveProperty('joined');
    expect(found[4]!.joined).toBeNull();
  });

  it('when a lookup is asked while a query is in flight, then it gets a query of its own and sees writes committed before it', async () => {
    const [owner] = await OwnerModel.insertMany([{ name: 'Ada' }]);
    const [item] = await seedItems(1, owner!._id);
    const aggregate = jest.spyOn(ItemModel.collection, 'aggregate');
    const batcher = createJoinedByIdBatcher<Item, Owner>(ItemModel.collection, join);

    const first = batcher.load(item!._id);
    await nextLoopTurn();
    expect(aggregate).toHaveBeenCalledTimes(1);
    await OwnerModel.updateOne({ _id: owner!._id }, { $set: { name: 'Grace' } });
    const second = batcher.load(item!._id);

    expect((await second)?.joined?.name).toBe('Grace');
    expect(aggregate).toHaveBeenCalledTimes(2);
    expect(['Ada', 'Grace']).toContain((await first)?.joined?.name);
  });

  it('when more lookups arrive than a batch holds, then they are split into batches of at most that size', async () => {
    const items = await seedItems(2 * MAX_BATCH_SIZE + 5);
    const aggregate = jest.spyOn(ItemModel.collection, 'aggregate');
    const batcher = createJoinedByIdBatcher<Item, Owner>(ItemModel.collection, join);

    const found = await Promise.all(items.map((item) => batcher.load(item._id)));

    expect(found.map((result) => result?.document.label)).toEqual(items.map((item) => item.label));
    expect(aggregate).toHaveBeenCalledTimes(3);
    const batchSizes = aggregate.mock.calls.map(
      ([pipeline]) => (pipeline![0] as { $match: { _id: { $in: unknown[] } } }).$match._id.$in.length,
    );
    expect(batchSizes).toEqual([MAX_BATCH_SIZE, MAX_BATCH_SIZE, 5]);
  });

  it('when the query fails, then every lookup of that batch is rejected and the next batch works again', async () => {
    const [item] = await seedItems(1);
    const batcher = createJoinedByIdBatcher<Item, Owner>(ItemModel.collection, join);
    jest.spyOn(ItemModel.collection, 'aggregate').mockImplementationOnce(() => {
      throw new Error('connection reset');
    });

    const failed = await Promise.allSettled([batcher.load(item!._id), batcher.load(new Types.ObjectId())]);

    expect(failed.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    expect((await batcher.load(item!._id))?.document.label).toBe('item 0');
  });
});
