import type { Request, Response } from 'express';
import { sendPreparedJson } from '../../lib/prepared-json';
import { inputOf } from '../../middleware/validate';
import { authOf } from '../users';
import type { CheckInService } from './check-ins.service';
import type { HabitService } from './habits.service';
import type { HabitsSchemas } from './habits.schemas';
import { habitOf } from './own-habit';
import type { SettingsService } from './settings.service';

export function createHabitsController(deps: {
  habits: HabitService;
  checkIns: CheckInService;
  settings: SettingsService;
  schemas: HabitsSchemas;
  compressionThresholdBytes: number;
}) {
  const { habits, checkIns, settings, schemas } = deps;
  const userIdOf = (req: Request): string => authOf(req).userId;
  return {
    async list(req: Request, res: Response): Promise<void> {
      const { query } = inputOf(res, schemas.list);
      const list = await habits.listHabits(userIdOf(req), query.archived === 'true');
      sendPreparedJson(req, res, list, deps.compressionThresholdBytes);
    },

    async create(req: Request, res: Response): Promise<void> {
      const { body } = inputOf(res, schemas.create);
      res.status(201).json({ data: await habits.createHabit(userIdOf(req), body) });
    },

    async show(req: Request, res: Response): Promise<void> {
      res.json({ data: await habits.showHabit(habitOf(res), userIdOf(req)) });
    },

    async update(req: Request, res: Response): Promise<void> {
      const { body } = inputOf(res, schemas.update);
      res.json({ data: await habits.updateHabit(habitOf(res), userIdOf(req), body) });
    },

    async remove(req: Request, res: Response): Promise<void> {
      await habits.deleteHabit(habitOf(res), userIdOf(req));
      res.status(204).end();
    },

    async reorder(req: Request, res: Response): Promise<void> {
      const { body } = inputOf(res, schemas.reorder);
      await habits.reorderHabits(userIdOf(req), body.ids);
      res.status(204).end();
    },

    async checkIn(req: Request, res: Response): Promise<void> {
      const { params } = inputOf(res, schemas.checkIn);
      res.json({ data: { habit: await checkIns.checkIn(habitOf(res), userIdOf(req), params.date) } });
    },

    async uncheck(req: Request, res: Response): Promise<void> {
      const { params } = inputOf(res, schemas.checkIn);
      res.json({ data: { habit: await checkIns.uncheck(habitOf(res), userIdOf(req), params.date) } });
    },

    async listCheckIns(req: Request, res: Response): Promise<void> {
      const { query } = inputOf(res, schemas.listCheckIns);
      res.json({ data: await checkIns.listCheckIns(habitOf(res), userIdOf(req), query) });
    },

    async stats(req: Request, res: Response): Promise<void> {
      res.json({ data: await checkIns.statsOf(habitOf(res), userIdOf(req)) });
    },

    async showSettings(req: Request, res: Response): Promise<void> {
      res.json({ data: { settings: await settings.showSettings(userIdOf(req)) } });
    },

    async updateSettings(req: Request, res: Response): Promise<void> {
      const { body } = inputOf(res, schemas.updateSettings);
      res.json({ data: { settings: await settings.changeSettings(userIdOf(req), body) } });
    },
  };
}

export type HabitsController = ReturnType<typeof createHabitsController>;
