import * as z from 'zod';
import { codesOf, DOMAINS } from '../shared/codes.js';
import { isValidCreditCode } from '../shared/credit-code.js';
import { ORGANISATION_KINDS } from '../shared/organisations.js';

const text = (max: number) => z.string().trim().min(1).max(max);
const version = z.number().int().positive().optional();

/** GB 32100-2015: structure and check character. */
export const OrgCode = z
  .string()
  .trim()
  .toUpperCase()
  .refine(isValidCreditCode, 'Not a valid unified social credit code (GB 32100-2015)');

/** The principal responsible person (主要负责人), first responsible for data security (Art. 18). */
export const ResponsiblePerson = z.object({
  name: text(100),
  title: text(100).optional(),
  phone: z
    .string()
    .regex(/^[0-9+\- ]{5,30}$/, 'A telephone number')
    .optional(),
});

export const CreateOrganisation = z.object({
  code: OrgCode,
  name: text(200),
  kind: z.enum(ORGANISATION_KINDS),
  principal: ResponsiblePerson,
});
export type CreateOrganisation = z.infer<typeof CreateOrganisation>;

export const UpdateOrganisation = z.object({
  name: text(200).optional(),
  kind: z.enum(ORGANISATION_KINDS).optional(),
  principal: ResponsiblePerson.optional(),
  version,
});
export type UpdateOrganisation = z.infer<typeof UpdateOrganisation>;

export const OrganisationCode = z.object({ code: OrgCode });

export const ListOrganisationsQuery = z.object({
  kind: z.enum(ORGANISATION_KINDS).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(2000).optional(),
});

/** A user id of the identity provider (Cognito `sub`, or the local issuer's). */
export const UserId = z
  .string()
  .trim()
  .regex(/^[\w.@:-]{1,128}$/, 'A user id');

export const CreateExpert = z.object({
  userId: UserId,
  name: text(100),
  /** The organisation the expert works for (conflicts of interest are judged against it). */
  org: OrgCode,
  fields: z
    .array(z.enum(codesOf(DOMAINS)))
    .min(1)
    .max(20),
});
export type CreateExpert = z.infer<typeof CreateExpert>;

export const UpdateExpert = z.object({
  name: text(100).optional(),
  org: OrgCode.optional(),
  fields: z
    .array(z.enum(codesOf(DOMAINS)))
    .min(1)
    .max(20)
    .optional(),
  active: z.boolean().optional(),
  version,
});
export type UpdateExpert = z.infer<typeof UpdateExpert>;

export const ExpertUserId = z.object({ userId: UserId });

export const ListExpertsQuery = z.object({
  field: z.enum(codesOf(DOMAINS)).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(2000).optional(),
});
