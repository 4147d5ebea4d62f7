import type { NextFunction, Request, Response } from 'express';
import { NotFoundError } from '../../errors/app-error';
import { authOf } from '../users';
import type { HabitRecord } from './habit.model';

/**
 * Ownership: loads the habit named by `:id` only if it is the caller's (the owner is part of the
 * query), so another user's habit answers 404 exactly like an unknown id, admins included. Runs after
 * `validate`, which has checked the id's shape.
 */
export function requireOwnHabit(findOwnHabit: (userId: string, habitId: string) => Promise<HabitRecord | null>) {
  return async function requireOwnHabitMiddleware(req: Request, res: Response, next: NextFunction): Promise<void> {
    const { params } = res.locals.input as { params: { id: string } };
    const habit = await findOwnHabit(authOf(req).userId, params.id);
    if (!habit) throw new NotFoundError('No such habit.');
    res.locals.habit = habit;
    next();
  };
}

/** The caller's habit that requireOwnHabit loaded. */
export function habitOf(res: Response): HabitRecord {
  return res.locals.habit as HabitRecord;
}
