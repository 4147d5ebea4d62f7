/** Background work with a lifecycle server.ts owns: started after listening, awaited at shutdown. */
export interface Job {
  name: string;
  start(): void;
  /** Stops scheduling and resolves once a run in progress has finished. */
  stop(): Promise<void>;
}

/** Runs `task` every `intervalMs`, never two runs at once; a failed run is reported and the next one still happens. */
export function createIntervalJob(name: string, intervalMs: number, task: () => Promise<void>, onError: (error: unknown) => void): Job {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  function tick(): void {
    if (running) return;
    running = task()
      .catch(onError)
      .finally(() => (running = undefined));
  }

  return {
    name,
    start() {
      timer ??= setInterval(tick, intervalMs).unref();
    },
    async stop() {
      clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
}
