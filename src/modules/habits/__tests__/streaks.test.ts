import { dateOfDay, dayIn, dayNumberOf, isTimeZone } from '../habit-dates';
import { currentStreak, EMPTY_STREAKS, recomputeStreaks, type Schedule, type StreakState } from '../streaks';

const DAILY: Schedule = { frequency: 'daily', weekdays: [] };
const WEEKDAYS: Schedule = { frequency: 'weekdays', weekdays: [1, 2, 3, 4, 5] };
const day = (date: string): number => dayNumberOf(date)!;

/** Streaks after checking `dates`, computed as the service does: one write per date, in the given order, at `today`. */
function afterCheckIns(schedule: Schedule, dates: string[], today: string, backfillDays = 30): StreakState {
  let state: StreakState = { ...EMPTY_STREAKS, anchor: day(today) - backfillDays };
  const checked: number[] = [];
  for (const date of dates) {
    checked.push(day(date));
    state = recomputeStreaks(state, { schedule, checkedDays: checked.filter((d) => d >= state.anchor!), today: day(today), backfillDays });
  }
  return state;
}

describe('calendar days', () => {
  it('when a date does not exist, then it is refused', () => {
    expect(dayNumberOf('2026-02-30')).toBeNull();
    expect(dayNumberOf('2026-13-01')).toBeNull();
    expect(dayNumberOf('2026-2-3')).toBeNull();
    expect(dateOfDay(day('2028-02-29'))).toBe('2028-02-29');
  });

  it('when the same instant is read at UTC+14 and UTC-10, then the days are two apart', () => {
    const instant = new Date('2026-03-10T11:30:00Z');
    expect(dateOfDay(dayIn('Pacific/Kiritimati', instant))).toBe('2026-03-11');
    expect(dateOfDay(dayIn('Pacific/Honolulu', instant))).toBe('2026-03-10');
    expect(dateOfDay(dayIn('Pacific/Honolulu', new Date('2026-03-10T09:59:00Z')))).toBe('2026-03-09');
  });

  it('when the clocks change (DST in New York), then the days around it are still one apart', () => {
    // 2026-03-08 02:00 local jumps to 03:00: that day is 23 hours long.
    expect(dateOfDay(dayIn('America/New_York', new Date('2026-03-08T04:59:00Z')))).toBe('2026-03-07');
    expect(dateOfDay(dayIn('America/New_York', new Date('2026-03-08T05:00:00Z')))).toBe('2026-03-08');
    expect(dateOfDay(dayIn('America/New_York', new Date('2026-03-09T03:59:00Z')))).toBe('2026-03-08');
    expect(dateOfDay(dayIn('America/New_York', new Date('2026-03-09T04:00:00Z')))).toBe('2026-03-09');
  });

  it('when a zone name is not IANA, then it is refused', () => {
    expect(isTimeZone('Europe/Paris')).toBe(true);
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
  });
});

describe('streaks', () => {
  it('when every day up to today is checked, then the streak ends today', () => {
    const state = afterCheckIns(DAILY, ['2026-03-06', '2026-03-07', '2026-03-08'], '2026-03-08');
    expect(currentStreak(state, DAILY, day('2026-03-08'))).toBe(3);
    expect(state.longest).toBe(3);
  });

  it('when today is not done yet, then the streak ending yesterday still counts; the day after, it is broken', () => {
    const state = afterCheckIns(DAILY, ['2026-03-06', '2026-03-07'], '2026-03-08');
    expect(currentStreak(state, DAILY, day('2026-03-08'))).toBe(2);
    expect(currentStreak(state, DAILY, day('2026-03-09'))).toBe(0);
    expect(state.longest).toBe(2);
  });

  it('when a past day is filled in, then the two runs join and longest grows', () => {
    const state = afterCheckIns(DAILY, ['2026-03-01', '2026-03-02', '2026-03-04', '2026-03-05', '2026-03-03'], '2026-03-05');
    expect(currentStreak(state, DAILY, day('2026-03-05'))).toBe(5);
    expect(state.longest).toBe(5);
  });

  it('when the habit is due on weekdays, then the weekend neither breaks nor extends the streak', () => {
    // Thursday 5, Friday 6, (weekend), Monday 9 March 2026.
    const state = afterCheckIns(WEEKDAYS, ['2026-03-05', '2026-03-06', '2026-03-07', '2026-03-09'], '2026-03-09');
    expect(currentStreak(state, WEEKDAYS, day('2026-03-09'))).toBe(3);
    // Saturday and Sunday after Friday: Friday was the last due day, so the streak is current.
    const friday = afterCheckIns(WEEKDAYS, ['2026-03-05', '2026-03-06'], '2026-03-06');
    expect(currentStreak(friday, WEEKDAYS, day('2026-03-08'))).toBe(2);
    expect(currentStreak(friday, WEEKDAYS, day('2026-03-09'))).toBe(2);
    expect(currentStreak(friday, WEEKDAYS, day('2026-03-10'))).toBe(0);
  });

  it('when a run is longer than the writable window, then the walk carries it over the anchor', () => {
    const dates = Array.from({ length: 100 }, (_, index) => dateOfDay(day('2026-01-01') + index));
    let state: StreakState = { ...EMPTY_STREAKS, anchor: day('2026-01-01') - 30 };
    for (const date of dates) {
      // What the database holds from the anchor on: the walk never reads a day before it.
      const checkedDays = dates.map(day).filter((checked) => checked >= state.anchor! && checked <= day(date));
      state = recomputeStreaks(state, { schedule: DAILY, checkedDays, today: day(date), backfillDays: 30 });
      expect(state.anchor).toBe(Math.max(day(date) - 30, day('2026-01-01') - 30));
    }
    expect(currentStreak(state, DAILY, day(dates[99]!))).toBe(100);
    expect(state.longest).toBe(100);
  });

  it('when a check-in inside the longest run is removed, then longest shrinks to the best remaining run', () => {
    const dates = ['2026-03-01', '2026-03-02', '2026-03-03', '2026-03-04'];
    const full = afterCheckIns(DAILY, dates, '2026-03-05');
    const removed = recomputeStreaks(full, {
      schedule: DAILY,
      checkedDays: ['2026-03-01', '2026-03-02', '2026-03-04'].map(day),
      today: day('2026-03-05'),
      backfillDays: 30,
    });
    expect(full.longest).toBe(4);
    expect(removed.longest).toBe(2);
    expect(currentStreak(removed, DAILY, day('2026-03-05'))).toBe(1);
  });

  it('when all history is walked again (a new schedule), then the result matches the incremental one', () => {
    const dates = ['2026-02-02', '2026-02-03', '2026-02-05', '2026-02-06', '2026-02-09'];
    const incremental = afterCheckIns(WEEKDAYS, dates, '2026-02-09');
    const fromScratch = recomputeStreaks(EMPTY_STREAKS, {
      schedule: WEEKDAYS,
      checkedDays: dates.map(day),
      today: day('2026-02-09'),
      backfillDays: 30,
    });
    expect(fromScratch.longest).toBe(incremental.longest);
    expect(currentStreak(fromScratch, WEEKDAYS, day('2026-02-09'))).toBe(currentStreak(incremental, WEEKDAYS, day('2026-02-09')));
    expect(currentStreak(fromScratch, WEEKDAYS, day('2026-02-09'))).toBe(3);
  });
});
