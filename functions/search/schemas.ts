import * as z from 'zod';

/** `POST /search/rebuild` takes no options (an empty JSON object, or no body). */
export const RebuildSearchIndex = z.object({}).strict();
