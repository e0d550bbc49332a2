/**
 * CloudFormation's per-stack quotas ("AWS CloudFormation quotas", user guide): what every template
 * of a stage must stay under. test/infra/run-for-real.test.ts fails at HEADROOM of any of them, so a stack
 * is split (a new duty is a new nested stack) long before a deploy would be refused.
 */
export const CFN_LIMITS = {
  /** Resources declared in one template. */
  resources: 500,
  /** Template body size, bytes, when uploaded through S3 (the CDK uploads every template as an asset). */
  templateBytes: 1_000_000,
  /** Outputs declared in one template. */
  outputs: 200,
  /** Parameters declared in one template. */
  parameters: 200,
} as const;

/** The share of a limit a template may use: beyond it the next duties would not fit comfortably. */
export const HEADROOM = 0.8;

export interface TemplateSize {
  readonly resources: number;
  readonly templateBytes: number;
  readonly outputs: number;
  readonly parameters: number;
}

/** How much of each limit a synthesized template uses. */
export const templateSize = (template: {
  Resources?: object;
  Outputs?: object;
  Parameters?: object;
}): TemplateSize => ({
  resources: Object.keys(template.Resources ?? {}).length,
  templateBytes: Buffer.byteLength(JSON.stringify(template)),
  outputs: Object.keys(template.Outputs ?? {}).length,
  parameters: Object.keys(template.Parameters ?? {}).length,
});

/** Every quota a template uses more than HEADROOM of, as sentences (empty: room to grow). */
export const overHeadroom = (name: string, size: TemplateSize): string[] =>
  (Object.keys(CFN_LIMITS) as (keyof typeof CFN_LIMITS)[])
    .filter((k) => size[k] >= HEADROOM * CFN_LIMITS[k])
    .map((k) => `${name}: ${k} ${size[k]} of ${CFN_LIMITS[k]} (≥ ${HEADROOM * 100} %)`);
