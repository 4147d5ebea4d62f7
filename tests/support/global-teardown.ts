/** Stops whatever database server the global setup started. */
export default async function globalTeardown(): Promise<void> {
  await globalThis.keyholdTestDatabase?.stop();
}
