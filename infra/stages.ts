/**
 * THE stage configuration: where each stage runs (account, region, partition), who signs its users
 * in (a Cognito user pool, or an external OIDC issuer such as a provincial unified identity service),
 * who hears its alarms, which browser origins may call it and how hard. One typed file, validated
 * when the app is synthesized (`stageConfig`): a mistake stops `cdk synth` with a sentence.
 *
 * Edit the values below for your accounts before a first deploy (README, "Deploying a stage").
 */
import { z } from 'zod';

const Throttle = z.object({
  /** Steady requests per second. */
  rateLimit: z.number().int().positive(),
  /** Burst bucket size. */
  burstLimit: z.number().int().positive(),
});

const CognitoIdentity = z.object({
  kind: z.literal('cognito'),
  /** `required` (TOTP) in production; `optional` lets a dev stage sign in without a device. */
  mfa: z.enum(['required', 'optional']),
  /**
   * Who sends the pool's emails (invitations, codes): an SES verified identity in `region`. Without it
   * Cognito's own sender is used (50 emails a day: fine for dev, not for production).
   */
  emailSender: z
    .object({
      from: z.email(),
      replyTo: z.email().optional(),
      /** SES region of the verified identity (default: the stage's region). */
      sesRegion: z.string().optional(),
    })
    .optional(),
});

const OidcIdentity = z.object({
  kind: z.literal('oidc'),
  /** `iss` of the tokens; its `/.well-known/openid-configuration` names the keys. HTTPS only. */
  issuer: z.url({ protocol: /^https$/ }),
  /** Accepted `aud` (ID tokens) or `client_id` (access tokens) values. */
  audience: z.array(z.string().min(1)).min(1),
  /** JWKS URL; default `<issuer>/.well-known/jwks.json`. */
  jwksUri: z.url({ protocol: /^https$/ }).optional(),
  /** Claim carrying the platform roles (an array or a space/comma separated string). */
  rolesClaim: z.string().min(1),
  /** Claim carrying the organisation's unified social credit code. */
  orgClaim: z.string().min(1),
});

export const StageConfigSchema = z
  .object({
    /** Production: data retained on delete, deletion protection, `destroy` refused. */
    production: z.boolean(),
    /** 12-digit account; omitted = whatever account the deploying credentials belong to. */
    account: z
      .string()
      .regex(/^\d{12}$/, 'an AWS account id has 12 digits')
      .optional(),
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'a region such as cn-north-1 or ap-southeast-1'),
    partition: z.enum(['aws', 'aws-cn']),
    identity: z.discriminatedUnion('kind', [CognitoIdentity, OidcIdentity]),
    /** Email addresses subscribed to the stage's alarm topic. */
    alarmEmails: z.array(z.email()),
    /** Browser origins allowed by CORS (`https://…`); `*` only outside production. */
    corsOrigins: z.array(z.union([z.literal('*'), z.url({ protocol: /^https?$/ })])).min(1),
    /** The whole API. */
    throttle: Throttle,
    /** Each public (unauthenticated) route: tighter, since anyone can call it. */
    publicRouteThrottle: Throttle,
  })
  .superRefine((c, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (c.partition === 'aws-cn' && !c.region.startsWith('cn-'))
      issue('region', 'partition aws-cn runs in cn-north-1 or cn-northwest-1');
    if (c.partition === 'aws' && c.region.startsWith('cn-'))
      issue('partition', `region ${c.region} is in partition aws-cn`);
    if (c.partition === 'aws-cn' && c.identity.kind === 'cognito')
      issue(
        'identity',
        'Amazon Cognito user pools are not offered in the China regions: configure an oidc issuer',
      );
    if (c.production) {
      if (c.identity.kind === 'cognito' && c.identity.mfa !== 'required')
        issue('identity', 'production requires MFA (TOTP)');
      if (c.identity.kind === 'cognito' && !c.identity.emailSender)
        issue('identity', 'production needs an SES email sender');
      if (c.corsOrigins.includes('*')) issue('corsOrigins', 'production names its origins, never *');
      if (c.alarmEmails.length === 0) issue('alarmEmails', 'production alarms must reach someone');
    }
    if (c.publicRouteThrottle.rateLimit > c.throttle.rateLimit)
      issue('publicRouteThrottle', 'a public route cannot be allowed more than the whole API');
  });
export type StageConfig = z.infer<typeof StageConfigSchema>;

export const STAGE_CONFIG = {
  dev: {
    production: false,
    region: 'ap-southeast-1',
    partition: 'aws',
    identity: { kind: 'cognito', mfa: 'optional' },
    alarmEmails: [],
    corsOrigins: ['*'],
    throttle: { rateLimit: 50, burstLimit: 100 },
    publicRouteThrottle: { rateLimit: 20, burstLimit: 40 },
  },
  prod: {
    production: true,
    region: 'ap-southeast-1',
    partition: 'aws',
    identity: {
      kind: 'cognito',
      mfa: 'required',
      emailSender: { from: 'no-reply@data.shiyan.gov.cn', replyTo: 'support@data.shiyan.gov.cn' },
    },
    alarmEmails: ['ops@data.shiyan.gov.cn'],
    corsOrigins: ['https://data.shiyan.gov.cn'],
    throttle: { rateLimit: 200, burstLimit: 400 },
    publicRouteThrottle: { rateLimit: 50, burstLimit: 100 },
  },
  // Where the data must live (Data Security Law, PIPL): the China regions, signing users in through
  // the province's unified identity service (湖北省统一身份认证) as an OIDC issuer.
  'cn-prod': {
    production: true,
    region: 'cn-northwest-1',
    partition: 'aws-cn',
    identity: {
      kind: 'oidc',
      issuer: 'https://ids.hubei.gov.cn/oidc',
      audience: ['shiyan-public-data-platform'],
      rolesClaim: 'roles',
      orgClaim: 'org_uscc',
    },
    alarmEmails: ['ops@data.shiyan.gov.cn'],
    corsOrigins: ['https://data.shiyan.gov.cn'],
    throttle: { rateLimit: 200, burstLimit: 400 },
    publicRouteThrottle: { rateLimit: 50, burstLimit: 100 },
  },
} as const satisfies Record<string, z.input<typeof StageConfigSchema>>;

export type Stage = keyof typeof STAGE_CONFIG;
export const STAGES = Object.keys(STAGE_CONFIG) as Stage[];

/** A stage's configuration, validated; throws one sentence per problem. */
export const stageConfig = (stage: Stage, raw: unknown = STAGE_CONFIG[stage]): StageConfig => {
  const r = StageConfigSchema.safeParse(raw);
  if (!r.success) {
    const problems = r.error.issues.map((i) => `${i.path.join('.') || '(stage)'}: ${i.message}`);
    throw new Error(`infra/stages.ts: stage ${stage} is invalid:\n  ${problems.join('\n  ')}`);
  }
  return r.data;
};
