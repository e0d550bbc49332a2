import { Duration, Validations } from 'aws-cdk-lib';
import {
  AccountRecovery,
  ClientAttributes,
  FeaturePlan,
  Mfa,
  OAuthScope,
  StandardThreatProtectionMode,
  StringAttribute,
  UserPool,
  type UserPoolClient,
} from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { ROLES } from '../system.js';
import { type Stage, stageSettings } from './config.js';
import { pascal } from './declaration.js';

/**
 * Who may sign in: a Cognito user pool whose groups are the platform roles and whose users carry
 * their organisation's unified social credit code, so ID tokens hold `cognito:groups` and
 * `custom:org` (read by functions/shared/auth.ts).
 */
export class Identity extends Construct {
  readonly userPool: UserPool;
  readonly client: UserPoolClient;
  /**
   * The portal's client: OIDC authorization-code flow with PKCE through the pool's hosted sign-in
   * (no secret: a browser cannot keep one). Its callback URL is set by the Portal construct, which
   * knows the distribution's domain. Its ID tokens are accepted beside the web client's (`audiences`).
   */
  readonly portalClient: UserPoolClient;
  /** Every client whose ID tokens the API accepts (the authorizer's and the handlers' `aud`). */
  readonly audiences: string[];
  /** Token issuer (`iss`), as the HTTP API authorizer and the handlers verify it. */
  readonly issuer: string;
  readonly jwksUrl: string;

  constructor(scope: Construct, id: string, props: { stage: Stage }) {
    super(scope, id);
    const prod = props.stage === 'prod';
    this.userPool = new UserPool(this, 'UserPool', {
      userPoolName: `${props.stage}-platform-users`,
      // Accounts belong to vetted organisations (Art. 9, 18): the authority provisions them.
      selfSignUpEnabled: false,
      signInAliases: { email: true },
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
      mfa: Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      // Plus tier: threat protection (compromised credentials, adaptive authentication) for accounts
      // that reach authorized public data. Dev only observes, so test sign-ins are never blocked.
      featurePlan: FeaturePlan.PLUS,
      standardThreatProtectionMode: prod
        ? StandardThreatProtectionMode.FULL_FUNCTION
        : StandardThreatProtectionMode.AUDIT_ONLY,
      deletionProtection: prod,
      removalPolicy: stageSettings(props.stage).removalPolicy,
    });
    Validations.of(this.userPool).acknowledge({
      id: 'AwsSolutions-COG2',
      reason:
        'MFA is optional at the pool so the authority can provision organisation accounts before their TOTP device ' +
        'is enrolled; Plus-tier threat protection (enforced in prod) challenges risky sign-ins with MFA.',
    });

    for (const role of ROLES) {
      this.userPool.addGroup(pascal(role), { groupName: role, description: `Platform role ${role}` });
    }

    this.client = this.userPool.addClient('WebClient', {
      generateSecret: false,
      authFlows: { userSrp: true },
      // Tokens are obtained with SRP from the web client; no hosted UI / OAuth redirects.
      disableOAuth: true,
      preventUserExistenceErrors: true,
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
    this.audiences = [this.client.userPoolClientId, this.portalClient.userPoolClientId];

    this.issuer = this.userPool.userPoolProviderUrl;
    this.jwksUrl = `${this.issuer}/.well-known/jwks.json`;
  }
}
