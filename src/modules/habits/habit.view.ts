import type { HabitRecord } from './habit.model';
import type { HabitView } from './habit.response';
import { currentStreak } from './streaks';

export type { HabitView };

/** The habit as the API shows it on `today` (the user's day number): streaks come from the stored fields, never from check-ins. */
export function toHabitView(habit: HabitRecord, today: number): HabitView {
  return {
    id: habit._id.toString(),
    name: habit.name,
    description: habit.description ?? '',
    color: habit.color,
    frequency: habit.frequency,
    weekdays: habit.weekdays ?? [],
    archived: habit.archived,
    order: habit.order,
    createdAt: habit.createdAt.toISOString(),
    updatedAt: habit.updatedAt.toISOString(),
    completedToday: habit.streak.lastCheckIn === today,
    streak: { current: currentStreak(habit.streak, habit, today), longest: habit.streak.longest },
  };
}
