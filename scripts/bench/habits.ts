import http from 'node:http';
import { Types } from 'mongoose';
import { dateOfDay, dayNumberOf, EMPTY_STREAKS, recomputeStreaks } from '../../src/modules/habits';
import { CheckInModel } from '../../src/modules/habits/check-in.model';
import { HabitModel } from '../../src/modules/habits/habit.model';
import { HabitQuotaModel } from '../../src/modules/habits/habit-quota.model';
import { runLoad, type LoadFigures } from './load';
import type { ScenarioContext } from './scenarios';

const BACKFILL_DAYS = 30;
const DAILY = { frequency: 'daily' as const, weekdays: [] };

export interface SeededHabits {
  habitIds: string[];
  checkIns: number;
  ms: number;
}

/** Every 13th day is missed, so streaks and runs look like a real user's. */
const checkedDaysUpTo = (today: number, count: number): number[] =>
  Array.from({ length: count }, (_, index) => today - index).filter((day) => (today - day) % 13 !== 12);

/**
 * Seeds `habits` daily habits for one user with `checkInsEach` days of history, with the module's own
 * models and streak walk, so the stored streak fields are what the service would have written.
 */
export async function seedHabits(userId: string, habits: number, checkInsEach: number): Promise<SeededHabits> {
  const started = Date.now();
  const today = dayNumberOf(new Date().toISOString().slice(0, 10))!;
  const owner = new Types.ObjectId(userId);
  const checkedDays = checkedDaysUpTo(today, checkInsEach + Math.ceil(checkInsEach / 12));
  const streak = recomputeStreaks(EMPTY_STREAKS, { schedule: DAILY, checkedDays, today, backfillDays: BACKFILL_DAYS });
  const habitIds = Array.from({ length: habits }, () => new Types.ObjectId());
  await HabitModel.insertMany(
    habitIds.map((_id, order) => ({
      _id,
      userId: owner,
      name: `Habit ${order + 1} with a realistic, longer name`,
      nameKey: `habit ${order + 1} with a realistic, longer name`,
      description: 'Seeded by the benchmark: a sentence of description, as users write them.',
      color: '#4F46E5',
      ...DAILY,
      order,
      streak,
    })),
  );
  for (const habitId of habitIds) {
    await CheckInModel.collection.insertMany(
      checkedDays.map((day) => ({
        _id: `${habitId.toHexString()}:${dateOfDay(day)}`,
        habitId,
        userId: owner,
        date: dateOfDay(day),
      })) as never[],
      { ordered: false },
    );
  }
  await HabitQuotaModel.create({ _id: owner, count: habits, nextOrder: habits });
  return { habitIds: habitIds.map(String), checkIns: habits * checkedDays.length, ms: Date.now() - started };
}

/** GET /habits for the member, with the given Accept-Encoding (none: identity). */
export function loadHabits(context: ScenarioContext, headers: Record<string, string>, encoding?: string): Promise<LoadFigures> {
  return runLoad({
    url: `${context.baseUrl}/api/v1/habits`,
    connections: context.options.connections,
    durationS: context.options.durationS,
    headers: { ...headers, ...(encoding ? { 'accept-encoding': encoding } : {}) },
  });
}

/**
 * Check-ins that each change something: over the habits and the last 30 days in turn, the first round
 * unchecks every (habit, day) and the next checks it again, so every request writes.
 */
export function loadCheckIns(
  context: ScenarioContext,
  headers: Record<string, string>,
  habitIds: string[],
  connections = context.options.connections,
): Promise<LoadFigures> {
  const today = dayNumberOf(new Date().toISOString().slice(0, 10))!;
  const pairs = habitIds.flatMap((id) =>
    Array.from({ length: BACKFILL_DAYS }, (_, back) => `/api/v1/habits/${id}/check-ins/${dateOfDay(today - back)}`),
  );
  let sent = 0;
  return runLoad({
    url: `${context.baseUrl}/api/v1/habits`,
    connections,
    durationS: context.options.durationS,
    headers,
    requests: [
      {
        setupRequest: (request) => {
          const turn = sent++;
          const method = Math.floor(turn / pairs.length) % 2 === 0 ? 'DELETE' : 'PUT';
          return { ...request, method, path: pairs[turn % pairs.length] };
        },
      },
    ],
  });
}

/** Bytes on the wire of one GET /habits answer for each encoding (the compressed body, before decoding). */
export async function habitsBodySizes(context: ScenarioContext, headers: Record<string, string>): Promise<Record<string, number>> {
  const sizes: Record<string, number> = {};
  for (const encoding of ['identity', 'gzip', 'br']) {
    sizes[encoding] = await new Promise<number>((resolve, reject) => {
      const request = http.get(`${context.baseUrl}/api/v1/habits`, { headers: { ...headers, 'accept-encoding': encoding } }, (response) => {
        let bytes = 0;
        response.on('data', (chunk: Buffer) => (bytes += chunk.length));
        response.on('end', () => resolve(bytes));
      });
      request.on('error', reject);
    });
  }
  return sizes;
}
