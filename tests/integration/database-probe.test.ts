import mongoose, { Schema } from 'mongoose';
import { useTestDatabase } from '../support/database';

/** Pins what the service relies on from whichever server the tests run against (see TESTING.md). */
describe('database guarantees', () => {
  useTestDatabase();
  const Probe = mongoose.model('Probe', new Schema({ usedAt: { type: Date, default: null }, key: { type: String, unique: true } }));

  it('when 20 conditional updates race on one document, then exactly one wins', async () => {
    const doc = await Probe.create({ key: 'race' });
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        Probe.findOneAndUpdate({ _id: doc._id, usedAt: null }, { $set: { usedAt: new Date() } }, { new: true }),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('when a unique key is inserted twice, then the server answers 11000', async () => {
    await Probe.init();
    await Probe.create({ key: 'unique' });
    await expect(Probe.create({ key: 'unique' })).rejects.toMatchObject({ code: 11000 });
  });
});
