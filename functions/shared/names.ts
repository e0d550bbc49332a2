/**
 * Names compared by the platform (credit list screening, the organisation registry) are compared in
 * one form: Unicode NFKC (a CJK compatibility ideograph becomes its unified ideograph, full-width
 * letters and digits become ASCII), trimmed, inner whitespace collapsed. Apply it on BOTH sides of
 * every comparison, to stored keys and to queries alike.
 */
export const normalizeName = (name: string): string => name.normalize('NFKC').trim().replace(/\s+/g, ' ');
