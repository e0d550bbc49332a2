/** An empty handler: the import-time floor (what Node costs before any of our code). */
export const handler = async () => ({ statusCode: 200, body: '{}' });
