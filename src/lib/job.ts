/** Background work with a lifecycle server.ts owns: started after listening, awaited at shutdown. */
export interface Job {
  name: string;
  start(): void;
  /** Stops scheduling and resolves once a run in progress has finished. */
  stop(): Promise<void>;
}
