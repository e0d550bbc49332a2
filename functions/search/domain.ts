/**
 * Catalog search as plain rules: text analysis (Chinese and Latin), the postings of an entry, and the
 * ranking, filtering, faceting and paging of the postings a query read. No AWS, no I/O.
 *
 * Analysis. `Intl.Segmenter('zh', { granularity: 'word' })` splits text into word-like segments
 * (dropping punctuation and spaces, separating Chinese from Latin letters and digits). Node's ICU
 * dictionary does not know the vocabulary of a public-data catalog — it splits 十堰市 into 十/堰/市,
 * 公交卡 into 公/交/卡, 社保卡 into 社/保/卡 — so words alone would miss most searches. Consecutive
 * Chinese segments are therefore joined into runs and indexed as overlapping character bigrams (as
 * Lucene's CJK analyzer does): a query's bigrams must all occur, so 公交 finds 公交卡刷卡记录 and
 * 医疗保险 needs 医疗, 疗保 and 保险. Single characters are indexed for the short fields (title, data
 * item names, provider name), so a one-character query such as 车 searches those. Latin words and
 * numbers are indexed whole, lower-cased, after NFKC normalisation (full-width ＡＰＩ = API).
 */

/** Where a term occurs, and the weight of that field in the ranking (title first, then data items). */
export const FIELD_WEIGHTS = {
  title: 100,
  dataItemName: 40,
  providerName: 20,
  description: 10,
  usageRequirements: 5,
  dataItemDescription: 5,
} as const;
export type Field = keyof typeof FIELD_WEIGHTS;

/** Fields short enough to index single Chinese characters too (one-character queries search these). */
const UNIGRAM_FIELDS: ReadonlySet<Field> = new Set(['title', 'dataItemName', 'providerName']);

const segmenter = new Intl.Segmenter('zh', { granularity: 'word' });
const HAN = /\p{Script=Han}/u;
const MAX_WORD = 40;

/** One analysed piece of text: a run of Chinese characters, or one Latin word / number. */
export interface Token {
  readonly kind: 'han' | 'word';
  readonly text: string;
}

/** Splits text into Chinese runs and lower-cased Latin words/numbers (NFKC-normalised). */
export const tokenize = (text: string): Token[] => {
  const out: Token[] = [];
  let run = '';
  const flush = () => {
    if (run) out.push({ kind: 'han', text: run });
    run = '';
  };
  for (const s of segmenter.segment(text.normalize('NFKC').toLowerCase())) {
    if (!s.isWordLike) {
      flush();
      continue;
    }
    if (HAN.test(s.segment)) {
      // A segment may mix scripts (rare): its Chinese characters join the run, the rest forms words.
      for (const piece of s.segment.split(/(\p{Script=Han}+)/u)) {
        if (!piece) continue;
        if (HAN.test(piece)) run += piece;
        else {
          flush();
          out.push({ kind: 'word', text: piece.slice(0, MAX_WORD) });
        }
      }
    } else {
      flush();
      out.push({ kind: 'word', text: s.segment.slice(0, MAX_WORD) });
    }
  }
  flush();
  return out;
};

const bigrams = (run: string): string[] => {
  const chars = [...run];
  if (chars.length === 1) return [];
  return chars.slice(0, -1).map((c, i) => `${c}${chars[i + 1]}`);
};

/** The index terms of a token: `b:` Chinese bigrams, `u:` Chinese characters, `w:` words. */
const termsOf = (t: Token, unigrams: boolean): string[] => {
  if (t.kind === 'word') return [`w:${t.text}`];
  const chars = [...t.text];
  const out = bigrams(t.text).map((b) => `b:${b}`);
  if (unigrams || chars.length === 1) out.push(...chars.map((c) => `u:${c}`));
  return out;
};

/** The published content of an entry, as the catalog's events carry it. */
export interface IndexedContent {
  readonly title: string;
  readonly description: string;
  readonly domain: string;
  readonly classification: string;
  readonly openness: string;
  readonly usageRequirements: string;
  readonly dataItems: readonly { readonly name: string; readonly description: string }[];
}

/** What every posting of an entry carries: the facet values and the tie-breaker of the ranking. */
export interface Facets {
  readonly domain: string;
  readonly provider: string;
  readonly classification: string;
  readonly openness: string;
  /** ISO time the published version was approved (newer first among equal scores). */
  readonly approvedAt: string;
}

/** One entry in one term's postings: its weight for that term and its facets. */
export interface Posting extends Facets {
  readonly entryId: string;
  readonly score: number;
}

/**
 * The terms of an entry and each term's weight: the weight of the best field it occurs in plus a
 * small bonus for repetitions (at most 5), so a title match always outranks a description match.
 */
export const termWeights = (c: IndexedContent, providerName: string | null): Map<string, number> => {
  const best = new Map<string, number>();
  const count = new Map<string, number>();
  const add = (field: Field, text: string) => {
    for (const t of tokenize(text)) {
      for (const term of termsOf(t, UNIGRAM_FIELDS.has(field))) {
        best.set(term, Math.max(best.get(term) ?? 0, FIELD_WEIGHTS[field]));
        count.set(term, (count.get(term) ?? 0) + 1);
      }
    }
  };
  add('title', c.title);
  add('description', c.description);
  add('usageRequirements', c.usageRequirements);
  if (providerName) add('providerName', providerName);
  for (const item of c.dataItems) {
    add('dataItemName', item.name);
    add('dataItemDescription', item.description);
  }
  const weights = new Map<string, number>();
  for (const [term, w] of best) weights.set(term, w + Math.min(count.get(term) ?? 1, 5) - 1);
  return weights;
};

/** A parsed query: the terms that must all occur, and the pieces to highlight. */
export interface ParsedQuery {
  readonly terms: string[];
  readonly pieces: string[];
}

/**
 * The terms of a query: every bigram of a Chinese run (a one-character run: that character), every
 * word. All must occur in an entry (AND), which for a Chinese run of the query is the run itself
 * in nearly every case (its overlapping bigrams chain it). Empty when the query has no word at all.
 */
export const parseQuery = (q: string): ParsedQuery => {
  const tokens = tokenize(q);
  const terms = new Set<string>();
  for (const t of tokens) {
    if (t.kind === 'word') terms.add(`w:${t.text}`);
    else if ([...t.text].length === 1) terms.add(`u:${t.text}`);
    else for (const b of bigrams(t.text)) terms.add(`b:${b}`);
  }
  return { terms: [...terms], pieces: [...new Set(tokens.map((t) => t.text))] };
};

// --- postings as stored: one compact string per entry and term ---------------------------------

const SEP = '|';

/** `score|domain|provider|classification|openness|approvedAt` — codes never contain `|`. */
export const encodePosting = (score: number, f: Facets): string =>
  [score, f.domain, f.provider, f.classification, f.openness, f.approvedAt].join(SEP);

export const decodePosting = (entryId: string, value: string): Posting | undefined => {
  const [score, domain, provider, classification, openness, approvedAt] = value.split(SEP);
  if (!approvedAt || !domain || !provider || !classification || !openness) return undefined;
  return { entryId, score: Number(score), domain, provider, classification, openness, approvedAt };
};

/** The stored postings of an entry (term → encoded posting): empty when it must not be found. */
export const postingsOf = (
  c: IndexedContent,
  facts: { providerOrg: string; providerName: string | null; approvedAt: string },
): Record<string, string> => {
  const facets: Facets = {
    domain: c.domain,
    provider: facts.providerOrg,
    classification: c.classification,
    openness: c.openness,
    approvedAt: facts.approvedAt,
  };
  const out: Record<string, string> = {};
  for (const [term, w] of termWeights(c, facts.providerName)) out[term] = encodePosting(w, facets);
  return out;
};

// --- ranking, filters, facets, paging ------------------------------------------------------------

export type FacetName = 'domain' | 'provider' | 'classification' | 'openness';
export const FACET_NAMES: readonly FacetName[] = ['domain', 'provider', 'classification', 'openness'];
export type Filters = Partial<Record<FacetName, string>>;

export interface RankedHit {
  readonly entryId: string;
  readonly score: number;
  readonly facets: Facets;
}

export interface SearchOutcome {
  /** Every match passing the filters, best first. */
  readonly hits: RankedHit[];
  /** Per facet, the matches passing every *other* filter, counted per value (most first). */
  readonly facets: Record<FacetName, { value: string; count: number }[]>;
}

/**
 * Ranks the entries that hold every query term. An entry's score is the sum over terms of its weight
 * for the term times the term's rarity (idf: ln(1 + N/df), N the largest posting list read), so a
 * title match of a rare word comes first; equal scores: newest approval first, then id.
 * `postings`: per query term, what its posting lists held.
 */
export const rank = (postings: readonly (readonly Posting[])[], filters: Filters): SearchOutcome => {
  const empty = { hits: [], facets: { domain: [], provider: [], classification: [], openness: [] } };
  if (postings.length === 0 || postings.some((p) => p.length === 0)) return empty;
  const n = Math.max(...postings.map((p) => p.length)) + 1;
  // Intersect, starting from the shortest list.
  const order = [...postings].sort((a, b) => a.length - b.length);
  let acc = new Map<string, RankedHit>();
  for (const p of order[0]!) {
    const idf = Math.log(1 + n / order[0]!.length);
    acc.set(p.entryId, { entryId: p.entryId, score: p.score * idf, facets: p });
  }
  for (const list of order.slice(1)) {
    const idf = Math.log(1 + n / list.length);
    const next = new Map<string, RankedHit>();
    for (const p of list) {
      const hit = acc.get(p.entryId);
      if (hit) next.set(p.entryId, { ...hit, score: hit.score + p.score * idf });
    }
    acc = next;
  }
  const all = [...acc.values()];
  const passes = (h: RankedHit, except?: FacetName) =>
    FACET_NAMES.every((f) => f === except || filters[f] === undefined || h.facets[f] === filters[f]);
  const facets = Object.fromEntries(
    FACET_NAMES.map((f) => {
      const counts = new Map<string, number>();
      for (const h of all) if (passes(h, f)) counts.set(h.facets[f], (counts.get(h.facets[f]) ?? 0) + 1);
      const values = [...counts].map(([value, count]) => ({ value, count }));
      values.sort((a, b) => b.count - a.count || a.value.localeCompare(b.value));
      return [f, values];
    }),
  ) as SearchOutcome['facets'];
  const hits = all.filter((h) => passes(h));
  hits.sort(
    (a, b) =>
      b.score - a.score ||
      b.facets.approvedAt.localeCompare(a.facets.approvedAt) ||
      b.entryId.localeCompare(a.entryId),
  );
  return { hits, facets };
};

/** Character ranges `[start, end)` of every occurrence of the query pieces in `text` (case-insensitive). */
export const highlight = (text: string, pieces: readonly string[]): [number, number][] => {
  const hay = text.normalize('NFKC').toLowerCase();
  // NFKC may change lengths (rare: full-width forms keep theirs); ranges index the normalised text.
  const ranges: [number, number][] = [];
  for (const p of pieces) {
    if (!p) continue;
    for (let i = hay.indexOf(p); i >= 0; i = hay.indexOf(p, i + p.length)) ranges.push([i, i + p.length]);
  }
  ranges.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const r of ranges) {
    const last = merged.at(-1);
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  return merged;
};
