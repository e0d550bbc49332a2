import { resolve } from 'node:path';
import { CfnOutput, Duration, Fn, Validations } from 'aws-cdk-lib';
import {
  AccountRecovery,
  ClientAttributes,
  FeaturePlan,
  LambdaVersion,
  Mfa,
  OAuthScope,
  StandardThreatProtectionMode,
  StringAttribute,
  UserPool,
  type UserPoolClient,
  UserPoolEmail,
  UserPoolOperation,
} from 'aws-cdk-lib/aws-cognito';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { HostedZone } from 'aws-cdk-lib/aws-route53';
import { EmailIdentity, Identity as SesIdentity } from 'aws-cdk-lib/aws-ses';
import { Construct } from 'constructs';
import { CLAIM_GROUPS, CLAIM_ORG } from '../../functions/shared/auth.js';
import { BUNDLING } from '../bundling.js';
import { ROLES } from '../system.js';
import { type Stage, stageConfigOf, stageSettings } from './config.js';
import { pascal, ROOT } from './declaration.js';

/**
 * Who may sign in, as the stage configures it (infra/stages.ts):
 * - `cognito` (global regions): a user pool whose groups are the platform roles and whose users carry
 *   their organisation's unified social credit code (`cognito:groups`, `custom:org` in ID and access
 *   tokens);
 * - `oidc`: an external issuer (e.g. the province's unified identity service), with the claims that
 *   carry roles and organisation named in the stage config. No user pool at all (China regions).
 * Either way the HTTP API's JWT authorizer and the functions verify the same issuer and audience.
 */
export class Identity extends Construct {
  readonly userPool?: UserPool;
  readonly client?: UserPoolClient;
  /**
   * The portal's client (Cognito stages): OIDC authorization-code flow with PKCE through the pool's
   * hosted sign-in (no secret: a browser cannot keep one). Its callback URL is set by the Portal
   * construct, which knows the distribution's domain. Its tokens are accepted beside the web client's.
   */
  readonly portalClient?: UserPoolClient;
  /** Token issuer (`iss`), as the HTTP API authorizer and the handlers verify it. */
  readonly issuer: string;
  /** Accepted `aud` / `client_id` values. */
  readonly audience: string[];
  readonly jwksUrl: string;
  readonly rolesClaim: string;
  readonly orgClaim: string;
  /** The Cognito pre-token-generation trigger (Cognito stages): every sign-in runs it. */
  readonly preToken?: NodejsFunction;
  /** The SES identity the pool sends from (Cognito stages with an SES sender). */
  readonly senderIdentity?: EmailIdentity;

  constructor(scope: Construct, id: string, props: { stage: Stage }) {
    super(scope, id);
    const config = stageConfigOf(this, props.stage);
    const identity = config.identity;
    if (identity.kind === 'oidc') {
      if (!identity.issuer)
        throw new Error(`stage ${props.stage} has no OIDC issuer (requireStageInputs runs first)`);
      this.issuer = identity.issuer;
      this.audience = [...identity.audience];
      this.jwksUrl = identity.jwksUri ?? `${identity.issuer.replace(/\/$/, '')}/.well-known/jwks.json`;
      this.rolesClaim = identity.rolesClaim;
      this.orgClaim = identity.orgClaim;
      return;
    }

    const settings = stageSettings(props.stage);
    const prod = config.production;
    const sender = identity.emailSender;
    // The sender's domain as an SES identity of this stack (DKIM records written where the stage names
    // its hosted zone; else shown by the SesDkim output to add by hand): the pool sends from a
    // verified domain identity it names, not from an address nobody verified.
    const senderDomain = sender?.from.split('@')[1];
    const sesRegion = sender?.sesRegion ?? config.region;
    if (sender && senderDomain && sesRegion === config.region) {
      const zone = config.domain?.hostedZone;
      this.senderIdentity = new EmailIdentity(this, 'SenderIdentity', {
        identity:
          zone && (senderDomain === zone.name || senderDomain.endsWith(`.${zone.name}`))
            ? SesIdentity.publicHostedZone(
                HostedZone.fromHostedZoneAttributes(this, 'SenderZone', {
                  hostedZoneId: zone.id,
                  zoneName: zone.name,
                }),
              )
            : SesIdentity.domain(senderDomain),
      });
      if (!zone || !(senderDomain === zone.name || senderDomain.endsWith(`.${zone.name}`))) {
        const id = this.senderIdentity;
        new CfnOutput(this, 'SesDkim', {
          description: `CNAME records that verify ${senderDomain} for SES (DKIM): name → value`,
          value: Fn.join(' ', [
            id.dkimDnsTokenName1,
            id.dkimDnsTokenValue1,
            id.dkimDnsTokenName2,
            id.dkimDnsTokenValue2,
            id.dkimDnsTokenName3,
            id.dkimDnsTokenValue3,
          ]),
        });
      }
    }
    this.userPool = new UserPool(this, 'UserPool', {
      userPoolName: `${props.stage}-platform-users`,
      // Accounts belong to vetted organisations (Art. 9, 18): the authority provisions them.
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      signInCaseSensitive: false,
      standardAttributes: {
        email: { required: true, mutable: true },
        fullname: { required: false, mutable: true },
      },
      customAttributes: {
        // Unified social credit code (GB 32100-2015): always 18 characters.
        org: new StringAttribute({ minLen: 18, maxLen: 18, mutable: true }),
      },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      // TOTP only (no SMS: no phone numbers collected); required wherever the stage says so (prod).
      mfa: identity.mfa === 'required' ? Mfa.REQUIRED : Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      ...(sender
        ? {
            email: UserPoolEmail.withSES({
              fromEmail: sender.from,
              fromName: '十堰市公共数据授权运营平台',
              ...(sender.replyTo ? { replyTo: sender.replyTo } : {}),
              sesRegion,
              // SourceArn names the verified domain identity, not the address.
              ...(senderDomain ? { sesVerifiedDomain: senderDomain } : {}),
            }),
          }
        : {}),
      // Plus tier: threat protection (compromised credentials, adaptive authentication) for accounts
      // that reach authorized public data, and access-token customization (below). Dev only observes.
      featurePlan: FeaturePlan.PLUS,
      standardThreatProtectionMode: prod
        ? StandardThreatProtectionMode.FULL_FUNCTION
        : StandardThreatProtectionMode.AUDIT_ONLY,
      deletionProtection: prod,
      removalPolicy: settings.removalPolicy,
    });
    if (this.senderIdentity) this.userPool.node.addDependency(this.senderIdentity);
    if (identity.mfa !== 'required') {
      Validations.of(this.userPool).acknowledge({
        id: 'AwsSolutions-COG2',
        reason: `Stage ${props.stage} is not production: MFA is optional so test accounts sign in without a TOTP device; infra/stages.ts refuses a production stage without required MFA.`,
      });
    }

    for (const role of ROLES) {
      this.userPool.addGroup(pascal(role), { groupName: role, description: `Platform role ${role}` });
    }

    // Access tokens carry custom:org too (pre-token-generation v2), so neither the API nor the
    // functions depend on ID tokens.
    const preTokenLogs = new LogGroup(this, 'PreTokenLogs', {
      retention: settings.logRetention,
      removalPolicy: settings.removalPolicy,
    });
    const preTokenRole = new Role(this, 'PreTokenRole', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Cognito pre-token-generation trigger (${props.stage})`,
    });
    preTokenLogs.grantWrite(preTokenRole);
    const preToken = new NodejsFunction(this, 'PreToken', {
      entry: resolve(ROOT, 'functions/identity/pre-token.ts'),
      handler: 'handler',
      description: 'Adds custom:org to Cognito access tokens',
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: 128,
      timeout: Duration.seconds(5),
      role: preTokenRole,
      logGroup: preTokenLogs,
      projectRoot: ROOT,
      depsLockFilePath: resolve(ROOT, 'package-lock.json'),
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        minify: BUNDLING.minify,
        target: BUNDLING.target,
      },
    });
    Validations.of(preToken).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Node.js 22 is pinned deliberately: the repository develops, tests and bundles (target node22) on ' +
        'Node 22 (package.json "node" devDependency); the runtime moves with that pin, not ahead of it.',
    });
    this.userPool.addTrigger(UserPoolOperation.PRE_TOKEN_GENERATION_CONFIG, preToken, LambdaVersion.V2_0);
    this.preToken = preToken;

    this.client = this.userPool.addClient('WebClient', {
      generateSecret: false,
      authFlows: { userSrp: true },
      // Tokens are obtained with SRP from the web client; no hosted UI / OAuth redirects.
      disableOAuth: true,
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(1),
      readAttributes: new ClientAttributes()
        .withStandardAttributes({ email: true, emailVerified: true, fullname: true })
        .withCustomAttributes('org'),
      // Users must never change their own organisation: custom:org is readable but not writable here,
      // only an administrator (AdminUpdateUserAttributes) sets it.
      writeAttributes: new ClientAttributes().withStandardAttributes({ fullname: true }),
    });

    this.portalClient = this.userPool.addClient('PortalClient', {
      generateSecret: false,
      authFlows: {},
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.PROFILE],
        // Replaced by the Portal construct with the distribution's /signin/callback.
        callbackUrls: ['https://localhost/signin/callback'],
      },
      preventUserExistenceErrors: true,
      // Sessions end with their tokens (the portal keeps no refresh token).
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.hours(1),
      readAttributes: new ClientAttributes()
        .withStandardAttributes({ email: true, emailVerified: true, fullname: true })
        .withCustomAttributes('org'),
      writeAttributes: new ClientAttributes().withStandardAttributes({ fullname: true }),
    });

    this.issuer = this.userPool.userPoolProviderUrl;
    this.audience = [this.client.userPoolClientId, this.portalClient.userPoolClientId];
    this.jwksUrl = `${this.issuer}/.well-known/jwks.json`;
    this.rolesClaim = CLAIM_GROUPS;
    this.orgClaim = CLAIM_ORG;
  }
}
