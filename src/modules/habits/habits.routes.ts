import { Router, type RequestHandler } from 'express';
import { validate } from '../../middleware/validate';
import type { HabitsController } from './habits.controller';
import type { HabitsSchemas } from './habits.schemas';
import type { HabitService } from './habits.service';
import { requireOwnHabit } from './own-habit';

interface HabitsRouterDeps {
  controller: HabitsController;
  schemas: HabitsSchemas;
  habits: Pick<HabitService, 'findOwnHabit'>;
  authenticate: RequestHandler;
}

/** /api/v1/habits: every route is the caller's own; `:id` routes pass the ownership check after validation. */
export function createHabitsRouter(deps: HabitsRouterDeps): Router {
  const { controller, schemas } = deps;
  const own = requireOwnHabit(deps.habits.findOwnHabit);
  const router = Router();
  router.use(deps.authenticate);
  router.get('/', validate(schemas.list), controller.list);
  router.post('/', validate(schemas.create), controller.create);
  router.put('/order', validate(schemas.reorder), controller.reorder);
  router.get('/:id', validate(schemas.byId), own, controller.show);
  router.patch('/:id', validate(schemas.update), own, controller.update);
  router.delete('/:id', validate(schemas.remove), own, controller.remove);
  router.get('/:id/stats', validate(schemas.byId), own, controller.stats);
  router.get('/:id/check-ins', validate(schemas.listCheckIns), own, controller.listCheckIns);
  router.put('/:id/check-ins/:date', validate(schemas.checkIn), own, controller.checkIn);
  router.delete('/:id/check-ins/:date', validate(schemas.checkIn), own, controller.uncheck);
  return router;
}

/** /api/v1/me/settings: the caller's time zone, week start, locale and summary mail switch. */
export function createSettingsRouter(deps: Omit<HabitsRouterDeps, 'habits'>): Router {
  const router = Router();
  router.use(deps.authenticate);
  router.get('/', deps.controller.showSettings);
  router.patch('/', validate(deps.schemas.updateSettings), deps.controller.updateSettings);
  return router;
}
