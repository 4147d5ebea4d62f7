const OBJECT_ID = /^[a-f0-9]{24}$/i;

/** Whether two strings name the same ObjectId: hex digits compare without regard to case; non-ids never match. */
export function isSameObjectId(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined || !OBJECT_ID.test(a) || !OBJECT_ID.test(b)) return false;
  return a.toLowerCase() === b.toLowerCase();
}
