/**
 * The cost model of infra/cost.ts on its own (the README's figures against the real templates are
 * checked in run-for-real.test.ts): schedule runs, alarms billed per metric, the web ACL, Lambda memory.
 */
import { describe, expect, it } from 'vitest';
import { ASSUMPTIONS, PRICES, perMillionCost, runsPerMonth, standingCost, total } from '../../infra/cost.js';

describe('the cost model', () => {
  it('counts runs a month of the schedule expressions the declaration uses', () => {
    expect(runsPerMonth('rate(1 minute)')).toBe(43_800);
    expect(runsPerMonth('rate(5 minutes)')).toBe(8_760);
    expect(runsPerMonth('rate(1 hour)')).toBe(730);
    expect(runsPerMonth('cron(0 1 * * ? *)')).toBeCloseTo(30.4);
    expect(runsPerMonth('cron(0 * * * ? *)')).toBeCloseTo(24 * 30.4);
    expect(runsPerMonth('cron(0 2 1-3 * ? *)')).toBe(3);
    expect(runsPerMonth('cron(0 2 1 1,4,7,10 ? *)')).toBeCloseTo(4 / 12);
    expect(() => runsPerMonth('at(2026-01-01T00:00:00)')).toThrow(/not a schedule expression/);
  });

  it('bills an alarm per metric it reads, a web ACL with its rules, and the routed functions’ memory', () => {
    const template = {
      Resources: {
        A: { Type: 'AWS::CloudWatch::Alarm', Properties: { MetricName: 'Errors' } },
        B: {
          Type: 'AWS::CloudWatch::Alarm',
          Properties: { Metrics: [{ MetricStat: {} }, { MetricStat: {} }, { Expression: 'm1 + m2' }] },
        },
        W: { Type: 'AWS::WAFv2::WebACL', Properties: { Rules: [{}, {}] } },
        F: { Type: 'AWS::Lambda::Function', Properties: { MemorySize: 1024 } },
        I: {
          Type: 'AWS::ApiGatewayV2::Integration',
          Properties: { IntegrationUri: { 'Fn::GetAtt': ['F', 'Arn'] } },
        },
      },
    };
    const standing = standingCost([template]);
    expect(standing.find((l) => l.item === 'CloudWatch alarms')?.usd).toBeCloseTo(3 * PRICES.alarmMetric);
    expect(standing.find((l) => l.item === 'AWS WAF web ACL')?.usd).toBe(
      PRICES.webAcl + 2 * PRICES.webAclRule,
    );
    const lambda = perMillionCost([template]).find((l) => l.item === 'Lambda')!;
    expect(lambda.usd).toBeCloseTo(0.2 + 1e6 * 1 * ASSUMPTIONS.apiDurationSeconds * PRICES.lambdaArmGbSecond);
    // No distribution, no X-Ray in this template: neither is billed.
    expect(perMillionCost([template]).map((l) => l.item)).not.toContain('CloudFront');
    expect(total(perMillionCost([template]))).toBeGreaterThan(0);
  });
});
