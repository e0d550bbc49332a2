import * as z from 'zod';
import { CREDIT_LISTS, codesOf, DOMAINS } from '../shared/codes.js';
import { isValidCreditCode } from '../shared/credit-code.js';
import { ScoringCriteria } from './scoring.js';

const text = (max: number) => z.string().trim().min(1).max(max);
const isoDateTime = z.iso.datetime({ offset: true });
const catalogEntryId = z.string().regex(/^ce_[0-9a-z]{10,40}$/, 'Not a catalog entry id');
const grantId = z.string().regex(/^gr_[0-9a-z]{10,40}$/, 'Not a grant id');

/** GB 32100-2015: 18 characters with a valid check character. */
export const CreditCode = z
  .string()
  .trim()
  .toUpperCase()
  .refine(
    isValidCreditCode,
    'Not a valid unified social credit code (GB 32100-2015: structure and check character)',
  );

/** Resident identity number (GB 11643): 17 digits and a digit or X. Only its hash is stored. */
export const IdNumber = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^\d{17}[\dX]$/, 'An 18-character resident identity number');

export const MODES = ['comprehensive', 'domain'] as const;

const stepDays = z.number().int().min(1).max(180);

/**
 * Days each human step may take before it is flagged overdue (configurable per announcement). No
 * `.default()` here: zod 4 still applies inner defaults under `.partial()`, so a partial PATCH would
 * reset the deadlines it does not name. The defaults (DEFAULT_DEADLINES) are applied on create only.
 */
export const StepDeadlines = z.object({
  qualificationReview: stepDays,
  expertPanel: stepDays,
  expertScore: stepDays,
  governmentApproval: stepDays,
  /** Art. 10.4: the agreement signed by both parties (passed to the grants duty's signature deadline). */
  signing: stepDays,
});
export type StepDeadlines = z.infer<typeof StepDeadlines>;

/** A document the applicant must provide; a new item of a (wholly replaced) list is mandatory unless said. */
export const RequiredDocument = z.object({
  code: z.string().regex(/^[a-z][a-z0-9-]{0,63}$/, 'Lower-case letters, digits and dashes'),
  name: text(200),
  mandatory: z.boolean().default(true),
});

/** Application conditions (申报条件): free text plus the documents an applicant must provide. */
const Conditions = z.object({
  text: text(8000),
  requiredDocuments: z.array(RequiredDocument).max(50),
});

/** The announcement's fields without defaults: the base of both the create and the update schema. */
const AnnouncementFields = {
  year: z.number().int().min(2023).max(2100),
  title: text(200),
  mode: z.enum(MODES),
  /** Domain mode (Art. 5): the provider that selects and grants, and its domain. */
  domain: z.enum(codesOf(DOMAINS)).optional(),
  grantingProvider: z.object({ org: CreditCode, name: text(200).optional() }).optional(),
  /** Catalog entries in scope (each approved and authorizable when published). */
  scope: z.array(catalogEntryId).min(1).max(200),
  conditions: Conditions,
  window: z.object({ opensAt: isoDateTime, closesAt: isoDateTime }),
  criteria: ScoringCriteria.optional(),
  /** Pass mark of the experts' average, 0-100. */
  passMark: z.number().min(0).max(100).optional(),
  panelSize: z.number().int().min(3).max(30).optional(),
  /** Only the steps named; the others keep their defaults (create) or current values (update). */
  deadlines: StepDeadlines.partial().optional(),
  /** The approving city government (审定); omitted: any organisation holding the government role. */
  governmentOrg: CreditCode.optional(),
};

const modeRules = (
  a: { mode?: (typeof MODES)[number]; domain?: string | undefined; grantingProvider?: unknown },
  ctx: z.RefinementCtx,
) => {
  if (a.mode === 'domain') {
    if (!a.domain)
      ctx.addIssue({ code: 'custom', path: ['domain'], message: 'Domain mode names the domain (Art. 5)' });
    if (!a.grantingProvider) {
      ctx.addIssue({
        code: 'custom',
        path: ['grantingProvider'],
        message: 'Domain mode names the granting provider (Art. 5)',
      });
    }
  }
};

/** Create: the only place defaults apply (deadlines and pass mark etc. are defaulted in the domain). */
export const CreateAnnouncement = z
  .object({
    ...AnnouncementFields,
    conditions: Conditions.extend({ requiredDocuments: Conditions.shape.requiredDocuments.default([]) }),
  })
  .superRefine(modeRules);
export type CreateAnnouncement = z.infer<typeof CreateAnnouncement>;

/**
 * Update (PATCH of a draft): every field optional and no defaults, so what the body does not name keeps
 * its current value; `conditions` and `deadlines` are merged field by field (domain.updateAnnouncement).
 */
export const UpdateAnnouncement = z
  .object({ ...AnnouncementFields, conditions: Conditions.partial() })
  .partial()
  .extend({ version: z.number().int().positive().optional() });
export type UpdateAnnouncement = z.infer<typeof UpdateAnnouncement>;

export const VersionBody = z.object({ version: z.number().int().positive().optional() });
export const WithdrawAnnouncement = z.object({
  reason: text(2000),
  version: z.number().int().positive().optional(),
});

export const AnnouncementId = z.object({
  id: z.string().regex(/^an_[0-9a-z]{10,40}$/, 'Not an announcement id'),
});

export const ListAnnouncementsQuery = z.object({
  status: z.enum(['draft', 'published', 'withdrawn']).optional(),
  year: z.coerce.number().int().min(2023).max(2100).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(2000).optional(),
});
export type ListAnnouncementsQuery = z.infer<typeof ListAnnouncementsQuery>;

// --- credit list (Art. 9)

export const CREDIT_LIST_KINDS = codesOf(CREDIT_LISTS);

const CreditListFields = {
  subjectType: z.enum(['organisation', 'legal-representative']),
  creditCode: CreditCode.optional(),
  /** The person's resident identity number; hashed on arrival, never stored. */
  idNumber: IdNumber.optional(),
  name: text(200).optional(),
  list: z.enum(CREDIT_LIST_KINDS),
  source: text(500),
  listedAt: isoDateTime,
  removedAt: isoDateTime.optional(),
  note: z.string().trim().max(2000).optional(),
};

const subjectRules = (
  e: {
    subjectType?: string;
    creditCode?: string | undefined;
    idNumber?: string | undefined;
    name?: string | undefined;
  },
  ctx: z.RefinementCtx,
) => {
  if (e.subjectType === 'organisation' && !e.creditCode) {
    ctx.addIssue({
      code: 'custom',
      path: ['creditCode'],
      message: 'An organisation is listed by its credit code',
    });
  }
  if (e.subjectType === 'legal-representative' && !e.idNumber && !e.name) {
    ctx.addIssue({
      code: 'custom',
      path: ['idNumber'],
      message: 'A person is listed by identity number or name',
    });
  }
};

export const CreateCreditListEntry = z.object(CreditListFields).superRefine(subjectRules);
export type CreateCreditListEntry = z.infer<typeof CreateCreditListEntry>;

export const UpdateCreditListEntry = z.object({
  source: text(500).optional(),
  listedAt: isoDateTime.optional(),
  removedAt: isoDateTime.nullable().optional(),
  note: z.string().trim().max(2000).optional(),
  version: z.number().int().positive().optional(),
});

export const MAX_IMPORT_ROWS = 500;
export const ImportCreditList = z.object({
  entries: z.array(CreateCreditListEntry).min(1).max(MAX_IMPORT_ROWS),
});

export const CreditListEntryId = z.object({
  id: z.string().regex(/^cl_[0-9a-z]{10,64}$/, 'Not a credit list entry id'),
});

export const ListCreditListQuery = z.object({
  creditCode: CreditCode.optional(),
  idNumber: IdNumber.optional(),
  name: text(200).optional(),
  list: z.enum(CREDIT_LIST_KINDS).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(2000).optional(),
});
export type ListCreditListQuery = z.infer<typeof ListCreditListQuery>;

// --- applications (Art. 9, 10.2)

/** Art. 9: every declaration must be made (true) for an application to be accepted. */
export const Declarations = z.object({
  soundBusinessAndFinances: z.literal(true, 'Art. 9: declare sound business and finances'),
  qualificationsAndCapability: z.literal(
    true,
    'Art. 9: declare the qualifications, talent and service capability',
  ),
  noSeriousViolationRecord: z.literal(
    true,
    'Art. 9: declare no serious violation record (company and legal representative)',
  ),
  notDishonestJudgmentDebtor: z.literal(true, 'Art. 9: declare not being a dishonest judgment debtor'),
  noMajorTaxViolation: z.literal(true, 'Art. 9: declare no major tax violation case'),
  truthfulMaterials: z.literal(true, 'Declare that the materials are truthful'),
});

export const DocumentRef = z.object({
  /** The announcement's required-document code this file answers, if any. */
  code: z.string().max(64).optional(),
  name: text(200),
  /** Where the file is (an upload key or URL); metadata only for now. */
  ref: text(1000),
  mediaType: z.string().max(100).optional(),
  sizeBytes: z.number().int().min(0).optional(),
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
});

export const Scenario = z.object({
  title: text(200),
  description: text(4000),
  expectedValue: text(2000),
  catalogEntryIds: z.array(catalogEntryId).max(200).default([]),
});

export const Applicant = z.object({
  organisationName: text(200),
  creditCode: CreditCode,
  legalRepresentative: z.object({ name: text(100), idNumber: IdNumber }),
  /** 主要负责人: the first person responsible for data security (Art. 18). */
  principal: z.object({ name: text(100), title: text(100).optional(), phone: z.string().max(40).optional() }),
  businessStatus: z.enum(['in-operation', 'suspended', 'revoked', 'cancelled']),
  registeredCapital: z.string().max(100).optional(),
  qualifications: z
    .array(
      z.object({
        name: text(200),
        number: z.string().max(100).optional(),
        validUntil: z.string().max(40).optional(),
      }),
    )
    .max(50)
    .default([]),
  staff: z.object({
    total: z.number().int().min(0),
    dataProfessionals: z.number().int().min(0),
    securityStaff: z.number().int().min(0).default(0),
  }),
  serviceCapability: text(4000),
  scenarios: z.array(Scenario).min(1).max(50),
  declarations: Declarations,
  documents: z.array(DocumentRef).max(100).default([]),
});
export type Applicant = z.infer<typeof Applicant>;

export const SubmitApplication = Applicant.extend({
  announcementId: AnnouncementId.shape.id.optional(),
  /** Renewal (Art. 10.5): the grant to renew, instead of an announcement. */
  renewalOf: grantId.optional(),
}).superRefine((a, ctx) => {
  if (!a.announcementId === !a.renewalOf) {
    ctx.addIssue({
      code: 'custom',
      path: ['announcementId'],
      message: 'Name either the announcement or the grant to renew',
    });
  }
});
export type SubmitApplication = z.infer<typeof SubmitApplication>;

export const ApplicationId = z.object({
  id: z.string().regex(/^ap_[0-9a-z]{10,40}$/, 'Not an application id'),
});
export const WithdrawApplication = z.object({ reason: z.string().trim().max(2000).optional() });

export const ListApplicationsQuery = z.object({
  announcementId: AnnouncementId.shape.id.optional(),
  status: z.enum(['under-review', 'signing', 'approved', 'rejected', 'withdrawn']).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(2000).optional(),
});
export type ListApplicationsQuery = z.infer<typeof ListApplicationsQuery>;
