import { z } from 'zod';

/** Pieces every response schema shares: ids, timestamps, a located address. */
export const idResponse = z.string().regex(/^[a-f0-9]{24}$/);
export const timestampResponse = z.iso.datetime();

export const locationResponse = z
  .strictObject({
    city: z.string().nullable(),
    region: z.string().nullable(),
    country: z.string().nullable(),
    countryCode: z.string().nullable(),
  })
  .meta({ id: 'Location' });
