export { createHabitsController } from './habits.controller';
export { createHabitsServices, type HabitsServices } from './habits.module';
export { createHabitsRouter, createSettingsRouter } from './habits.routes';
export { createHabitsSchemas, type HabitsSchemas } from './habits.schemas';
export {
  checkedHabitResponse,
  checkInDatesResponse,
  habitEnvelopeResponse,
  habitsListResponse,
  habitStatsEnvelopeResponse,
  settingsEnvelopeResponse,
  type HabitView,
} from './habit.response';
export { recomputeStreaks, currentStreak, EMPTY_STREAKS, type Schedule, type StreakState } from './streaks';
export { dateOfDay, dayNumberOf } from './habit-dates';
