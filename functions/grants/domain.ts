/**
 * The authorization agreement (授权运营协议) as plain rules: no AWS, no I/O. Every transition takes the
 * current grant and returns the next one, or throws the error the caller should see.
 */
import type { Role } from '../../infra/system.js';
import { type CatalogEntry, isAuthorizable } from '../catalog/domain.js';
import type { Principal } from '../shared/auth.js';
import { addDays, DAY_MS } from '../shared/clock.js';
import { EXIT_ITEMS } from '../shared/codes.js';
import { ConflictError, ForbiddenError } from '../shared/errors.js';

export { EXIT_ITEMS };

export type GrantStatus = 'signing' | 'active' | 'suspended' | 'terminated' | 'expired';
export type GrantorRole = 'authority' | 'provider';
export type GrantMode = 'comprehensive' | 'domain';
export type Party = 'grantor' | 'operator';

/** Art. 10.5: an agreement is valid for 2 years. */
export const TERM_YEARS = 2;

/**
 * Art. 10.4: signing the agreement is a human step with a deadline (days after drafting); the step
 * input may set another (`signatureDueInDays`). Past it the grant is flagged and escalated once.
 */
export const SIGNATURE_DUE_DAYS = 30;

/** Art. 10.5: reminders to re-apply, in days before the end of the term (most urgent last). */
export const REMINDER_DAYS = [90, 30, 7] as const;
export type ReminderDays = (typeof REMINDER_DAYS)[number];

export interface Signature {
  readonly userId: string;
  readonly org: string;
  readonly role?: string;
  readonly at: string;
  readonly name?: string;
}

export type ExitItem = (typeof EXIT_ITEMS)[number]['code'];

export interface ExitConfirmation {
  readonly item: ExitItem;
  readonly party: Party;
  readonly note: string;
  readonly confirmedBy: string;
  readonly org: string;
  readonly role?: string;
  readonly at: string;
}

/** Art. 4: the written terms of the agreement. */
export interface GrantTerms {
  readonly scope: { readonly mode: GrantMode; readonly domain?: string; readonly entries: readonly string[] };
  readonly term: { readonly years: number; readonly rule: string };
  readonly revenue: {
    readonly calculation: string;
    readonly distribution: string;
    /**
     * Art. 12.3: the proportions, in basis points summing to 10,000 (operator, grantor, authority). Grants
     * drafted before this field existed have none: functions/products/pricing.ts applies its default.
     */
    readonly shares?: {
      readonly operatorBp: number;
      readonly grantorBp: number;
      readonly authorityBp: number;
    };
  };
  readonly operatorRights: readonly string[];
  readonly operatorObligations: readonly string[];
  readonly security: readonly string[];
  readonly exit: { readonly triggers: readonly string[]; readonly items: readonly ExitItem[] };
  readonly assetDisposal: string;
  /** The same terms in Chinese, the agreement's binding language (absent on grants drafted before it). */
  readonly zh?: GrantTermsZh;
}

/** Art. 4: the written terms in Chinese (协议文本). */
export interface GrantTermsZh {
  readonly term: string;
  readonly revenue: { readonly calculation: string; readonly distribution: string };
  readonly operatorRights: readonly string[];
  readonly operatorObligations: readonly string[];
  readonly security: readonly string[];
  readonly exitTriggers: readonly string[];
  readonly assetDisposal: string;
}

/** The Chinese text of the agreement's terms (the same for every grant; scope and mode are data). */
export const TERMS_ZH: GrantTermsZh = {
  term: '授权运营期限为2年，自双方签署之日起算（续期的，自上一期届满之日起算，前后期限相接；数据访问不早于签署之日开始）；运营单位应于期满前重新申请（第十条第五款），不得原地延期。',
  revenue: {
    calculation:
      '合理收益 = 按本市公共数据产品定价规则确定的数据产品价格，扣除运营单位承担的平台费用（第十二条第三款、第十七条）；按产品计算，并在每期运营报告中报告。',
    distribution:
      '收益按本协议附件约定的比例在授权方、数据提供单位和运营单位之间分配，每年在平台上结算（第十二条第三款）。',
  },
  operatorRights: [
    '在平台上加工处理授权的公共数据并开发数据产品（第四条）',
    '向用户提供数据产品并获取合理收益（第十一条第二款）',
    '为具体应用场景提出数据需求（第十六条）',
    '提出数据质量治理需求（第十一条第一款）',
  ],
  operatorObligations: [
    '挖掘应用场景，开发优质数据产品（第十二条第一款）',
    '定期报告运营情况，接受监督检查（第十二条第二款）',
    '遵守定价和收益分配规则（第十二条第三款）',
    '保障数据安全，保护个人信息（第十二条第四款）',
    '配合评估，并在期限内完成整改（第十三条、第十四条）',
    '承担其产生的平台费用（第十七条）',
  ],
  security: [
    '仅在平台这一唯一授权渠道内处理数据（第十五条）',
    '谁运营谁负责、谁使用谁负责，主要负责人是第一责任人（第十八条）',
    '不得对个人信息进行重新识别；按分类分级实施保护（第六条）',
    '每一项操作均可追溯到具体人员和单位（第十八条）',
  ],
  exitTriggers: [
    '期限届满未续期（第十条第五款）',
    '整改不合格被终止授权（第十四条）',
    '协商一致终止或因严重违约终止',
  ],
  assetDisposal:
    '期限届满时，运营单位返还或销毁公共数据及全部衍生副本；基于该数据形成的数据产品按授权方决定处置或移交；双方在平台上确认（第四条）。',
};

/**
 * The name a grantor goes by in public (公示) when the grant did not record one: the city authority
 * is the public data authority the Measures designate (数据主管部门).
 */
export const AUTHORITY_DESIGNATION = '十堰市数据主管部门';

export const grantorNameOf = (g: Pick<Grant, 'grantorName' | 'grantorRole' | 'grantorOrg'>): string =>
  g.grantorName ?? (g.grantorRole === 'authority' ? AUTHORITY_DESIGNATION : g.grantorOrg);

/** A scope entry left out of the agreement because it can no longer be authorized (Art. 6, 8). */
export interface ExcludedEntry {
  readonly entryId: string;
  readonly reason: 'not-in-catalog' | 'not-approved' | 'restricted';
}

export interface StatusChange {
  readonly reason: string;
  readonly at: string;
  readonly by: string;
  readonly org: string;
  /** The role the decision was taken in (Art. 18). */
  readonly role?: string;
}

export interface Grant {
  readonly id: string;
  readonly status: GrantStatus;
  readonly operatorOrg: string;
  readonly operatorName: string;
  readonly grantorOrg: string;
  readonly grantorRole: GrantorRole;
  readonly grantorName?: string;
  /** The city authority's organisation (supervises every grant; reviews data demands, Art. 16). */
  readonly authorityOrg?: string;
  readonly mode: GrantMode;
  readonly domain?: string;
  /** Catalog entry ids. */
  readonly scope: readonly string[];
  /** Entries of the requested scope dropped at drafting because they were no longer authorizable (Art. 8). */
  readonly excludedScope?: readonly ExcludedEntry[];
  readonly announcementId: string;
  readonly applicationId: string;
  /** ISO 8601; null until the second signature fixes the term (renewals too: see `termStart`). */
  readonly effectiveFrom: string | null;
  readonly expiresAt: string | null;
  readonly renewalOf?: string;
  /** Renewal: the end of the renewed grant's term (fixed: no term is ever extended in place). */
  readonly previousExpiresAt?: string;
  readonly renewedBy?: string;
  readonly terms: GrantTerms;
  readonly signatures: Partial<Record<Party, Signature>>;
  readonly suspension?: StatusChange;
  readonly reinstatement?: StatusChange;
  readonly termination?: StatusChange;
  readonly expiredAt?: string;
  readonly exitConfirmations: Partial<Record<ExitItem, ExitConfirmation>>;
  readonly exitCompletedAt?: string;
  /** Art. 10.4: the deadline for both signatures. */
  readonly signBy?: string;
  /** When the signature deadline was found passed and escalated (once). */
  readonly signatureOverdueAt?: string;
  /** Callback token of the workflow waiting for the signatures (Contract B); never shown. */
  readonly signatureToken?: string;
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

// ---------------------------------------------------------------------------------------------------
// Term (Art. 10.5)

/** China Standard Time: the calendar the agreement is dated in (UTC+8, no daylight saving). */
const CST_OFFSET_MS = 8 * 3_600_000;

/**
 * The same wall-clock instant `years` later in the city's calendar (UTC+8). When that day does not
 * exist (a term starting on 29 February), the term ends on the last day of the month: 民法典
 * Art. 203 ("没有对应日的，为月末日"), so 2024-02-29 + 2 years = 2026-02-28, never 1 March.
 */
export const addTermYears = (from: Date | string, years: number): Date => {
  const local = new Date(new Date(from).getTime() + CST_OFFSET_MS);
  const year = local.getUTCFullYear() + years;
  const month = local.getUTCMonth();
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const end = Date.UTC(
    year,
    month,
    Math.min(local.getUTCDate(), lastDay),
    local.getUTCHours(),
    local.getUTCMinutes(),
    local.getUTCSeconds(),
    local.getUTCMilliseconds(),
  );
  return new Date(end - CST_OFFSET_MS);
};

/** Art. 10.5: an agreement is valid for exactly 2 years from its effective instant. */
export const termOf = (effectiveFrom: Date | string): { effectiveFrom: string; expiresAt: string } => {
  const start = new Date(effectiveFrom);
  return { effectiveFrom: start.toISOString(), expiresAt: addTermYears(start, TERM_YEARS).toISOString() };
};

/** In force now: active and inside its term (a signed renewal waits for the old term to end). */
export const inEffect = (g: Pick<Grant, 'status' | 'effectiveFrom' | 'expiresAt'>, now: Date): boolean =>
  g.status === 'active' &&
  !!g.effectiveFrom &&
  !!g.expiresAt &&
  g.effectiveFrom <= now.toISOString() &&
  now.toISOString() < g.expiresAt;

/**
 * Art. 10.5: the operator must APPLY for the renewal before the term ends; the applications duty
 * checks that when the application is submitted. The review chain may end after the old term ended,
 * so drafting the successor no longer looks at the clock: it refuses only a grant that cannot be
 * renewed at all (another operator's, never signed, terminated, or already renewed).
 */
export const assertRenewalDraftable = (old: Grant, operatorOrg: string): void => {
  if (old.operatorOrg !== operatorOrg) throw new ForbiddenError('Only the operator of a grant may renew it');
  if (old.status === 'terminated' || old.status === 'signing' || !old.expiresAt) {
    throw new ConflictError(`A ${old.status} grant cannot be renewed; apply anew`, 'renewal_refused');
  }
  if (old.renewedBy)
    throw new ConflictError(`The grant was already renewed by ${old.renewedBy}`, 'already_renewed');
};

/**
 * Art. 10.5: when an agreement's term starts, fixed at its activation (the second signature).
 * - A first grant: at the activation.
 * - A renewal: ALWAYS exactly at the renewed grant's end, whether it is signed before or after that
 *   instant, so that successive terms are contiguous (no gap, no overlap) and each is exactly 2 years.
 *   Dating the term is not authorizing access: the agreement takes effect only once signed (Art.
 *   10.4), so a renewal activated after the old end gives no access for the time between the old end
 *   and its activation (the grant was not active then; its entitlements exist, and start, only from
 *   the activation: see `continueUnder`, `grantEntitlements`).
 */
export const termStart = (g: Pick<Grant, 'previousExpiresAt'>, activatedAt: Date): string =>
  g.previousExpiresAt ?? activatedAt.toISOString();

/**
 * Art. 6, 8: only approved entries without an Art. 8 restriction can be authorized. The requested
 * scope is checked again at drafting (an entry may have been restricted since the announcement or the
 * renewed grant): the others are dropped and recorded with the reason.
 */
export const authorizableScope = (
  requested: readonly string[],
  catalog: ReadonlyMap<string, Pick<CatalogEntry, 'published'>>,
): { scope: string[]; excluded: ExcludedEntry[] } => {
  const scope: string[] = [];
  const excluded: ExcludedEntry[] = [];
  for (const entryId of new Set(requested)) {
    const e = catalog.get(entryId);
    if (!e) excluded.push({ entryId, reason: 'not-in-catalog' });
    else if (!e.published) excluded.push({ entryId, reason: 'not-approved' });
    else if (!isAuthorizable(e)) excluded.push({ entryId, reason: 'restricted' });
    else scope.push(entryId);
  }
  return { scope, excluded };
};

// ---------------------------------------------------------------------------------------------------
// Drafting (Art. 4)

export interface DraftInput {
  readonly id: string;
  readonly applicationId: string;
  readonly announcementId: string;
  readonly mode: GrantMode;
  readonly domain?: string;
  readonly scope: readonly string[];
  readonly grantor: { readonly org: string; readonly role: GrantorRole; readonly name?: string };
  readonly operator: { readonly org: string; readonly name: string };
  readonly authorityOrg?: string;
  /** The grant being renewed, already checked with assertRenewalDraftable. */
  readonly renewing?: Grant;
  /** Entries of the requested scope left out as no longer authorizable (see authorizableScope). */
  readonly excludedScope?: readonly ExcludedEntry[];
  /** Art. 10.4: days the parties have to sign (default SIGNATURE_DUE_DAYS). */
  readonly signatureDueInDays?: number;
  readonly now: Date;
}

/** Art. 4: the agreement's written terms, drafted from the announcement's scope. */
export const draftTerms = (i: Pick<DraftInput, 'mode' | 'domain' | 'scope' | 'grantor'>): GrantTerms => ({
  scope: { mode: i.mode, ...(i.domain ? { domain: i.domain } : {}), entries: [...i.scope] },
  term: {
    years: TERM_YEARS,
    rule: 'Valid for 2 years from the date both parties have signed (a renewal: from the end of the previous term, so that the terms are contiguous; data access under it starts no earlier than its signature); the operator must re-apply before it ends (Art. 10.5). No extension in place.',
  },
  revenue: {
    calculation:
      'Reasonable revenue = prices of data products set under the city pricing rules for public data products, less the platform costs the operator bears (Art. 12.3, 17); calculated per product and reported in each operation report.',
    distribution:
      'Distributed among the grantor, the data providers and the operator in the proportions annexed to this agreement, settled yearly on the platform (Art. 12.3).',
    shares: { operatorBp: 8500, grantorBp: 1000, authorityBp: 500 },
  },
  operatorRights: [
    'Process the authorized public data on the platform and develop data products (Art. 4)',
    'Offer data products to users and earn reasonable revenue (Art. 11.2)',
    'Request data for named application scenarios (Art. 16)',
    'Raise data-quality governance requests (Art. 11.1)',
  ],
  operatorObligations: [
    'Explore application scenarios and develop quality products (Art. 12.1)',
    'Report operations periodically and accept inspection (Art. 12.2)',
    'Follow pricing and revenue-distribution rules (Art. 12.3)',
    'Keep the data secure and protect personal information (Art. 12.4)',
    'Cooperate with evaluations and rectify within the deadline (Art. 13-14)',
    'Bear the platform costs it incurs (Art. 17)',
  ],
  security: [
    'Process data only on the platform, the single authorized channel (Art. 15)',
    'Whoever operates is responsible, whoever uses is responsible; the principal is first responsible (Art. 18)',
    'No re-identification of personal information; graded protection by classification (Art. 6)',
    'Every action is attributable to a person and an organisation (Art. 18)',
  ],
  exit: {
    triggers: [
      'Expiry of the term without renewal (Art. 10.5)',
      'Termination after failed rectification (Art. 14)',
      'Termination by agreement or for a serious breach',
    ],
    items: EXIT_ITEMS.map((e) => e.code),
  },
  assetDisposal:
    'At the end of the term the operator returns or destroys the public data and all derived copies; data products built on it are disposed of or handed over as the grantor decides; both parties confirm on the platform (Art. 4).',
  zh: TERMS_ZH,
});

export const draftGrant = (i: DraftInput): Grant => {
  const at = i.now.toISOString();
  // Art. 10.5: the term is fixed by the second signature (a renewal's start: the old end, termStart).
  return {
    id: i.id,
    status: 'signing',
    operatorOrg: i.operator.org,
    operatorName: i.operator.name,
    grantorOrg: i.grantor.org,
    grantorRole: i.grantor.role,
    ...(i.grantor.name ? { grantorName: i.grantor.name } : {}),
    ...(i.authorityOrg
      ? { authorityOrg: i.authorityOrg }
      : i.grantor.role === 'authority'
        ? { authorityOrg: i.grantor.org }
        : {}),
    mode: i.mode,
    ...(i.domain ? { domain: i.domain } : {}),
    scope: [...new Set(i.scope)],
    ...(i.excludedScope?.length ? { excludedScope: [...i.excludedScope] } : {}),
    announcementId: i.announcementId,
    applicationId: i.applicationId,
    effectiveFrom: null,
    expiresAt: null,
    ...(i.renewing ? { renewalOf: i.renewing.id } : {}),
    ...(i.renewing?.expiresAt ? { previousExpiresAt: i.renewing.expiresAt } : {}),
    terms: draftTerms({ ...i, scope: [...new Set(i.scope)] }),
    signatures: {},
    // Art. 10.4: signing is a human step with a deadline.
    signBy: addDays(i.now, i.signatureDueInDays ?? SIGNATURE_DUE_DAYS).toISOString(),
    exitConfirmations: {},
    version: 1,
    createdAt: at,
    updatedAt: at,
  };
};

// ---------------------------------------------------------------------------------------------------
// Parties and signatures (Art. 10.4)

/** The party a caller signs or confirms for: the operator org, or the grantor org in the grantor's role. */
export const partyOf = (
  g: Pick<Grant, 'operatorOrg' | 'grantorOrg' | 'grantorRole'>,
  p: Principal,
): Party | undefined => {
  if (p.role === 'operator' && p.org === g.operatorOrg) return 'operator';
  if (p.role === g.grantorRole && p.org === g.grantorOrg) return 'grantor';
  return undefined;
};

export const sign = (g: Grant, p: Principal, now: Date): Grant => {
  const party = partyOf(g, p);
  if (!party) throw new ForbiddenError('Only the grantor and the operator sign the agreement');
  if (g.status !== 'signing')
    throw new ConflictError(`The agreement is ${g.status}: there is nothing to sign`, 'invalid_state');
  if (g.signatures[party]) throw new ConflictError(`The ${party} has already signed`, 'already_signed');
  const at = now.toISOString();
  const signatures = {
    ...g.signatures,
    [party]: { userId: p.userId, org: p.org, role: p.role, at, ...(p.name ? { name: p.name } : {}) },
  };
  const both = !!signatures.grantor && !!signatures.operator;
  if (!both) return { ...g, signatures, version: g.version + 1, updatedAt: at };
  // Art. 10.5: the term runs from the second signature; a renewal's always from the old end (contiguous
  // terms, even when signed after it; access still starts only now that it is active: termStart).
  const term = termOf(termStart(g, now));
  return { ...g, signatures, status: 'active', ...term, version: g.version + 1, updatedAt: at };
};

/** The parties that have not signed yet. */
export const missingSignatures = (g: Pick<Grant, 'signatures'>): Party[] =>
  (['grantor', 'operator'] as const).filter((party) => !g.signatures[party]);

/**
 * Art. 10.4: a grant still waiting for signatures after its deadline is overdue. It is flagged (and
 * escalated) once; the parties can still sign afterwards: the flag makes the delay visible, it does
 * not decide anything.
 */
export const isSignatureOverdue = (
  g: Pick<Grant, 'status' | 'signBy' | 'signatureOverdueAt'>,
  now: Date,
): boolean => g.status === 'signing' && !!g.signBy && !g.signatureOverdueAt && g.signBy <= now.toISOString();

export const flagSignatureOverdue = (g: Grant, now: Date): Grant => {
  if (!isSignatureOverdue(g, now))
    throw new ConflictError('The signatures are not overdue, or were already flagged', 'invalid_state');
  const at = now.toISOString();
  return { ...g, signatureOverdueAt: at, version: g.version + 1, updatedAt: at };
};

// ---------------------------------------------------------------------------------------------------
// Suspension, reinstatement, termination (Art. 14), expiry (Art. 10.5)

const SUPERVISORS: readonly Role[] = ['authority'];

/** Art. 14: the authority supervises every grant; the grantor its own. */
const assertSupervisor = (g: Grant, p: Principal, what: string): void => {
  const grantor = p.role === g.grantorRole && p.org === g.grantorOrg;
  if (!SUPERVISORS.includes(p.role) && !grantor)
    throw new ForbiddenError(`Only the authority or the grantor may ${what} a grant`);
};

const change = (p: Principal, reason: string, now: Date): StatusChange => ({
  reason,
  at: now.toISOString(),
  by: p.userId,
  org: p.org,
  role: p.role,
});

export const suspend = (g: Grant, p: Principal, reason: string, now: Date): Grant => {
  assertSupervisor(g, p, 'suspend');
  if (g.status !== 'active')
    throw new ConflictError(
      `Only an active grant can be suspended; this one is ${g.status}`,
      'invalid_state',
    );
  return {
    ...g,
    status: 'suspended',
    suspension: change(p, reason, now),
    version: g.version + 1,
    updatedAt: now.toISOString(),
  };
};

export const reinstate = (g: Grant, p: Principal, reason: string | undefined, now: Date): Grant => {
  assertSupervisor(g, p, 'reinstate');
  if (g.status !== 'suspended')
    throw new ConflictError(
      `Only a suspended grant can be reinstated; this one is ${g.status}`,
      'invalid_state',
    );
  if (g.expiresAt && now.toISOString() >= g.expiresAt)
    throw new ConflictError('The term has ended: the grant can no longer be reinstated', 'invalid_state');
  return {
    ...g,
    status: 'active',
    reinstatement: change(p, reason ?? 'Rectified', now),
    version: g.version + 1,
    updatedAt: now.toISOString(),
  };
};

export const terminate = (g: Grant, p: Principal, reason: string, now: Date): Grant => {
  assertSupervisor(g, p, 'terminate');
  if (g.status !== 'active' && g.status !== 'suspended' && g.status !== 'signing') {
    throw new ConflictError(`A ${g.status} grant cannot be terminated`, 'invalid_state');
  }
  return {
    ...g,
    status: 'terminated',
    termination: change(p, reason, now),
    version: g.version + 1,
    updatedAt: now.toISOString(),
  };
};

/** Art. 10.5: due for expiry when its term has ended and it is still running. */
export const isDueForExpiry = (g: Pick<Grant, 'status' | 'expiresAt'>, now: Date): boolean =>
  (g.status === 'active' || g.status === 'suspended') && !!g.expiresAt && g.expiresAt <= now.toISOString();

export const expire = (g: Grant, now: Date): Grant => {
  if (!isDueForExpiry(g, now)) throw new ConflictError('The grant is not due for expiry', 'invalid_state');
  return {
    ...g,
    status: 'expired',
    expiredAt: now.toISOString(),
    version: g.version + 1,
    updatedAt: now.toISOString(),
  };
};

// ---------------------------------------------------------------------------------------------------
// Reminders (Art. 10.5)

/**
 * The reminder due now, if any: the most urgent threshold already reached before the end of the term.
 * A stale, less urgent reminder that was missed is not sent late (the 90-day one when 20 days are left).
 */
export const reminderDue = (expiresAt: string, now: Date): ReminderDays | undefined => {
  const left = new Date(expiresAt).getTime() - now.getTime();
  if (left <= 0) return undefined;
  let due: ReminderDays | undefined;
  for (const d of REMINDER_DAYS) if (left <= d * DAY_MS) due = d;
  return due;
};

/** A running grant that still needs a reminder (a renewed one does not: its successor is signed). */
export const wantsReminder = (g: Pick<Grant, 'status' | 'renewedBy'>): boolean =>
  (g.status === 'active' || g.status === 'suspended') && !g.renewedBy;

/**
 * Expiry windows a reminder run looks at, for each threshold d: grants expiring in
 * (now + d - lookback, now + d]. `lookback` covers the time since the last run (missed runs included)
 * but never reaches into the next, more urgent threshold.
 */
export const reminderWindows = (
  now: Date,
  lastRun: Date | undefined,
): { days: ReminderDays; from: Date; to: Date }[] =>
  REMINDER_DAYS.map((days, i) => {
    const next = REMINDER_DAYS[i + 1] ?? 0;
    const maxLookback = (days - next) * DAY_MS;
    const sinceLast = lastRun ? now.getTime() - lastRun.getTime() + 3_600_000 : maxLookback;
    const lookback = Math.min(Math.max(sinceLast, DAY_MS + 3_600_000), maxLookback);
    const to = addDays(now, days);
    return { days, from: new Date(to.getTime() - lookback), to };
  });

/** The expiry sweep looks back over the time since its last run (at least a week, at most ~13 months). */
export const sweepLookback = (now: Date, lastRun: Date | undefined): Date => {
  const week = 7 * DAY_MS;
  const since = lastRun ? now.getTime() - lastRun.getTime() + DAY_MS : week;
  return new Date(now.getTime() - Math.min(Math.max(since, week), 400 * DAY_MS));
};

// ---------------------------------------------------------------------------------------------------
// Exit (Art. 4)

export const exitItem = (code: ExitItem) => EXIT_ITEMS.find((e) => e.code === code)!;

export const confirmExit = (g: Grant, p: Principal, item: ExitItem, note: string, now: Date): Grant => {
  if (g.status !== 'terminated' && g.status !== 'expired') {
    throw new ConflictError(
      'Exit confirmations are recorded once the grant is terminated or expired',
      'invalid_state',
    );
  }
  const decl = exitItem(item);
  const party = partyOf(g, p);
  if (party !== decl.party) throw new ForbiddenError(`Only the ${decl.party} confirms "${decl.en}"`);
  if (g.exitConfirmations[item])
    throw new ConflictError(`"${decl.en}" was already confirmed`, 'already_confirmed');
  const at = now.toISOString();
  const exitConfirmations = {
    ...g.exitConfirmations,
    [item]: { item, party, note, confirmedBy: p.userId, org: p.org, role: p.role, at },
  };
  const complete = g.terms.exit.items.every((i) => exitConfirmations[i]);
  return {
    ...g,
    exitConfirmations,
    ...(complete ? { exitCompletedAt: at } : {}),
    version: g.version + 1,
    updatedAt: at,
  };
};

// ---------------------------------------------------------------------------------------------------
// Visibility and views

const OVERSEERS: readonly Role[] = ['authority', 'regulator'];

/** The two parties, the authority and regulators (Art. 6, 15, 18). */
export const canView = (g: Grant, p: Principal): boolean =>
  OVERSEERS.includes(p.role) || partyOf(g, p) !== undefined;

export const viewOf = (g: Grant, now: Date) => ({
  id: g.id,
  status: g.status,
  inEffect: inEffect(g, now),
  operatorOrg: g.operatorOrg,
  operatorName: g.operatorName,
  grantorOrg: g.grantorOrg,
  grantorRole: g.grantorRole,
  grantorName: grantorNameOf(g),
  mode: g.mode,
  domain: g.domain ?? null,
  scope: g.scope,
  excludedScope: g.excludedScope ?? [],
  announcementId: g.announcementId,
  applicationId: g.applicationId,
  effectiveFrom: g.effectiveFrom,
  expiresAt: g.expiresAt,
  renewalOf: g.renewalOf ?? null,
  previousExpiresAt: g.previousExpiresAt ?? null,
  renewedBy: g.renewedBy ?? null,
  // Grants drafted before the Chinese text was stored get it here (the text is the same for all).
  terms: { ...g.terms, zh: g.terms.zh ?? TERMS_ZH },
  signatures: g.signatures,
  signBy: g.signBy ?? null,
  signatureOverdue: !!g.signatureOverdueAt,
  signatureOverdueAt: g.signatureOverdueAt ?? null,
  suspension: g.suspension ?? null,
  reinstatement: g.reinstatement ?? null,
  termination: g.termination ?? null,
  expiredAt: g.expiredAt ?? null,
  exit: {
    required: g.terms.exit.items.map((code) => ({
      ...exitItem(code),
      confirmation: g.exitConfirmations[code] ?? null,
    })),
    completedAt: g.exitCompletedAt ?? null,
  },
  version: g.version,
  createdAt: g.createdAt,
  updatedAt: g.updatedAt,
});

/** 公示: what the public sees of an active grant. */
export const publicViewOf = (g: Grant) => ({
  id: g.id,
  operatorOrg: g.operatorOrg,
  operatorName: g.operatorName,
  grantorOrg: g.grantorOrg,
  // 公示: the grantor is named for every mode (the authority by its designation when no name was recorded).
  grantorName: grantorNameOf(g),
  mode: g.mode,
  domain: g.domain ?? null,
  scope: g.scope,
  effectiveFrom: g.effectiveFrom,
  expiresAt: g.expiresAt,
});

export const auditState = (g: Grant | undefined) =>
  g
    ? {
        status: g.status,
        version: g.version,
        effectiveFrom: g.effectiveFrom,
        expiresAt: g.expiresAt,
        signed: Object.keys(g.signatures).sort(),
        renewedBy: g.renewedBy ?? null,
        ...(g.signatureOverdueAt ? { signatureOverdueAt: g.signatureOverdueAt } : {}),
      }
    : null;

/** The facts every grant event carries. */
export const eventFacts = (g: Grant, now: Date) => ({
  grantId: g.id,
  version: g.version,
  operatorOrg: g.operatorOrg,
  operatorName: g.operatorName,
  grantorOrg: g.grantorOrg,
  grantorRole: g.grantorRole,
  mode: g.mode,
  ...(g.domain ? { domain: g.domain } : {}),
  scope: [...g.scope],
  effectiveFrom: g.effectiveFrom,
  expiresAt: g.expiresAt,
  at: now.toISOString(),
});

/**
 * Renewal: on activation of the successor the old grant records it. A terminated grant cannot be
 * renewed any more (Art. 14: its authorization was ended); an expired one can, when the renewal was
 * applied for in time and its review ended late (its term still starts at the old end, termStart; access
 * only from the activation).
 */
export const markRenewed = (old: Grant, successorId: string, now: Date): Grant => {
  if (old.renewedBy && old.renewedBy !== successorId) {
    throw new ConflictError(`The grant was already renewed by ${old.renewedBy}`, 'already_renewed');
  }
  if (old.status === 'terminated' || old.status === 'signing') {
    throw new ConflictError(`A ${old.status} grant cannot be renewed`, 'renewal_refused');
  }
  return { ...old, renewedBy: successorId, version: old.version + 1, updatedAt: now.toISOString() };
};
