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
  /**
   * `iss` of the tokens; its `/.well-known/openid-configuration` names the keys. HTTPS only. A stage
   * input: left out here, it must come with the synth (`-c oidcIssuer=https://…`), see STAGE_INPUTS.
   */
  issuer: z.url({ protocol: /^https$/ }).optional(),
  /** Accepted `aud` (ID tokens) or `client_id` (access tokens) values. */
  audience: z.array(z.string().min(1)).min(1),
  /** JWKS URL; default `<issuer>/.well-known/jwks.json`. */
  jwksUri: z.url({ protocol: /^https$/ }).optional(),
  /** Claim carrying the platform roles (an array or a space/comma separated string). */
  rolesClaim: z.string().min(1),
  /** Claim carrying the organisation's unified social credit code. */
  orgClaim: z.string().min(1),
});

const hostname = z
  .string()
  .regex(
    /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
    'a lower-case host name such as data.shiyan.gov.cn',
  );
const acmArn = z
  .string()
  .regex(/^arn:aws(-cn)?:acm:[a-z0-9-]+:\d{12}:certificate\/[\w-]+$/, 'an ACM certificate ARN');

/**
 * The host name a stage is served on. The API's default execute-api endpoint is disabled (callers
 * cannot go around the firewall or the ICP-licensed name), so every stage needs one.
 */
const Domain = z.object({
  /**
   * aws: the portal's host name (the CloudFront alias); the API answers under `/api` on the same
   * name (an API Gateway custom domain of that name is CloudFront's origin). aws-cn: the API's
   * ICP-licensed host name (the API under `/api`), behind which the city's filed web server serves
   * the portal. A stage input (`-c domain=…`) where left out here.
   */
  name: hostname.optional(),
  /**
   * ACM certificate for `name` in the stage's region (the API's custom domain). Default: the stack
   * requests one, validated through DNS (automatically with `hostedZone`, else by the records the
   * deploy shows; README "A first deploy").
   */
  certificateArn: acmArn.optional(),
  /** aws: ACM certificate for `name` in us-east-1 (CloudFront). Default: requested in the edge stack. */
  edgeCertificateArn: acmArn.optional(),
  /** Route 53 public hosted zone holding `name`: certificates validate and alias records are written there. */
  hostedZone: z
    .object({ id: z.string().regex(/^Z[A-Z0-9]{4,31}$/, 'a Route 53 hosted zone id'), name: hostname })
    .optional(),
  /**
   * aws-cn: the ICP licence number (ICP备案/许可证号, e.g. 鄂ICP备12345678号) under which `name` is
   * filed and which is associated with the AWS China account: without it API Gateway in the China
   * regions serves no unauthenticated request (the public routes) and no custom domain.
   */
  icpLicence: z.string().min(4).optional(),
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
    /** Where the stage is served (a stage input where left out: `-c domain=…`). */
    domain: Domain.optional(),
    /**
     * The account's Lambda concurrency quota in the region (Service Quotas, "Concurrent executions";
     * new accounts may start lower than the 1,000 default): the concurrency alarm fires at 80 %.
     */
    lambdaConcurrencyQuota: z.number().int().positive().default(1000),
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
    if (c.partition === 'aws' && c.domain?.icpLicence)
      issue('domain', 'an ICP licence only applies to the China regions (partition aws-cn)');
    if (c.partition === 'aws-cn' && (c.domain?.edgeCertificateArn || c.domain?.hostedZone))
      issue('domain', 'the China regions have no CloudFront portal here: no edge certificate or hosted zone');
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
    domain: { name: 'dev.data.shiyan.gov.cn' },
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
    domain: { name: 'data.shiyan.gov.cn' },
    alarmEmails: ['ops@data.shiyan.gov.cn'],
    corsOrigins: ['https://data.shiyan.gov.cn'],
    throttle: { rateLimit: 200, burstLimit: 400 },
    publicRouteThrottle: { rateLimit: 50, burstLimit: 100 },
  },
  // Where the data must live (Data Security Law, PIPL): the China regions, signing users in through
  // the province's unified identity service (湖北省统一身份认证) as an OIDC issuer. Its issuer URL and
  // the ICP-licensed domain are the stage's operator's to give (STAGE_INPUTS): synth refuses without.
  'cn-prod': {
    production: true,
    region: 'cn-northwest-1',
    partition: 'aws-cn',
    identity: {
      kind: 'oidc',
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

/**
 * What the operator of a stage gives at synth (`-c <key>=<value>`, or in STAGE_CONFIG above): each
 * key names the field of the stage config it fills. A value given on the command line wins.
 */
export const STAGE_INPUTS = {
  domain: 'domain.name',
  certificateArn: 'domain.certificateArn',
  edgeCertificateArn: 'domain.edgeCertificateArn',
  hostedZoneId: 'domain.hostedZone.id',
  hostedZoneName: 'domain.hostedZone.name',
  icpLicence: 'domain.icpLicence',
  oidcIssuer: 'identity.issuer',
} as const;
export type StageInput = keyof typeof STAGE_INPUTS;

/** The stage's configuration with the inputs given (`lookup` reads `-c` context), validated. */
export const stageConfigWithInputs = (
  stage: Stage,
  lookup: (key: StageInput) => unknown,
  raw: unknown = STAGE_CONFIG[stage],
): StageConfig => {
  const merged = structuredClone(raw) as Record<string, unknown>;
  for (const [key, path] of Object.entries(STAGE_INPUTS) as [StageInput, string][]) {
    const value = lookup(key);
    if (value === undefined || value === '') continue;
    const parts = path.split('.');
    let at = merged;
    for (const p of parts.slice(0, -1)) {
      at[p] ??= {};
      at = at[p] as Record<string, unknown>;
    }
    at[parts.at(-1)!] = String(value);
  }
  return stageConfig(stage, merged);
};

/**
 * Refuses to build a stage that could not serve as configured, with one sentence per missing input
 * and how to give it. Every stage needs its domain (the execute-api endpoint is disabled); an OIDC
 * stage its issuer; a stage in the China regions the ICP licence of its domain, since API Gateway
 * there serves the public (unauthenticated) routes and any custom domain only for an ICP-licensed
 * account.
 */
export const requireStageInputs = (stage: Stage, c: StageConfig, publicRoutes: number): void => {
  const missing: string[] = [];
  const keys: StageInput[] = [];
  const need = (key: StageInput, why: string) => {
    keys.push(key);
    missing.push(`${STAGE_INPUTS[key]} (-c ${key}=…): ${why}`);
  };
  if (!c.domain?.name)
    need(
      'domain',
      c.partition === 'aws-cn'
        ? 'the ICP-licensed host name the API is served on (API Gateway in the China regions serves custom domains only under an ICP licence)'
        : 'the host name of the portal; the API answers under /api on it (the execute-api endpoint is disabled)',
    );
  if (c.identity.kind === 'oidc' && !c.identity.issuer)
    need('oidcIssuer', 'the HTTPS issuer (iss) of the identity provider that signs users in');
  if (c.partition === 'aws-cn' && !c.domain?.icpLicence)
    need(
      'icpLicence',
      `the ICP licence number of the domain, associated with the AWS China account: without it API Gateway serves none of the ${publicRoutes} public routes`,
    );
  if (missing.length > 0)
    throw new Error(
      `Stage ${stage} lacks inputs it cannot be deployed without. Set them in infra/stages.ts or pass them, e.g. npm run synth -- -c stage=${stage} ${keys.map((k) => `-c ${k}=…`).join(' ')}\n  ${missing.join('\n  ')}`,
    );
};
