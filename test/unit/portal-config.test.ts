/**
 * The portal's configuration for the China stage (issue 22): no CloudFront there, so `npm run portal`
 * writes the built portal's config.json from the same stage inputs synth takes, with the same checks.
 */
import { describe, expect, it } from 'vitest';
import { contextArgs, externalPortalConfig } from '../../infra/ops/portal.js';

const inputs = {
  domain: 'api.data.shiyan.gov.cn',
  icpLicence: '鄂ICP备12345678号-1',
  oidcIssuer: 'https://ids.hubei.gov.cn/oidc/',
};

describe('the China portal configuration', () => {
  it('signs in through the stage’s issuer with the stage’s client, and carries the ICP licence', () => {
    // Act
    const config = externalPortalConfig('cn-prod', (k) => (inputs as Record<string, string>)[k]);
    // Assess
    expect(config).toEqual({
      oidc: {
        authorizationEndpoint: 'https://ids.hubei.gov.cn/oidc/authorize',
        tokenEndpoint: 'https://ids.hubei.gov.cn/oidc/token',
        logoutEndpoint: 'https://ids.hubei.gov.cn/oidc/logout',
        clientId: 'shiyan-public-data-platform',
        scope: 'openid profile',
      },
      icpLicence: inputs.icpLicence,
    });
  });

  it('refuses without the inputs, as synth does, and for a stage whose stack deploys its own', () => {
    expect(() => externalPortalConfig('cn-prod', () => undefined)).toThrow(
      /domain\.name \(-c domain=…\)[\s\S]*identity\.issuer \(-c oidcIssuer=…\)[\s\S]*domain\.icpLicence/,
    );
    expect(() => externalPortalConfig('prod', () => undefined)).toThrow(/CloudFront portal/);
  });

  it('reads -c key=value pairs, values with = kept whole', () => {
    expect(contextArgs(['--stage', 'cn-prod', '-c', 'domain=a.b.cn', '--context', 'x=1=2', '-c'])).toEqual({
      domain: 'a.b.cn',
      x: '1=2',
    });
  });
});
