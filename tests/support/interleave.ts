import { Query, type Model } from 'mongoose';

export interface Interleaving {
  /** How many of the watched model's queries ran with an interruption before them. */
  readonly steps: number;
  restore(): void;
}

/**
 * Runs `interrupt(step)` before every query the code under test sends to one model, and awaits it, so
 * a test can put another request's writes between any two of its database steps, deterministically.
 * Queries the interruption itself sends run untouched.
 */
export function interleaveBefore(model: Pick<Model<unknown>, 'modelName'>, interrupt: (step: number) => Promise<void>): Interleaving {
  const originalExec = Query.prototype.exec;
  let steps = 0;
  let interrupting = false;
  const spy = jest.spyOn(Query.prototype, 'exec').mockImplementation(async function (this: Query<unknown, unknown>, ...args) {
    if (this.model.modelName === model.modelName && !interrupting) {
      interrupting = true;
      try {
        await interrupt(steps);
      } finally {
        interrupting = false;
        steps += 1;
      }
    }
    return originalExec.apply(this, args);
  });
  return {
    get steps() {
      return steps;
    },
    restore: () => spy.mockRestore(),
  };
}
