/** A stored item without its storage attributes (keys, index attributes): the record it holds. */
export const strip = <T>(item: Record<string, unknown>, attrs: readonly string[]): T => {
  const copy: Record<string, unknown> = { ...item };
  for (const a of attrs) delete copy[a];
  return copy as T;
};
