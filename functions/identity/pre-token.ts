/**
 * Cognito pre-token-generation trigger (event version 2): copies the user's organisation
 * (`custom:org`) into the ACCESS token as well, so the API accepts access tokens with the same claims
 * as ID tokens (`cognito:groups` is already in both). No AWS calls, no dependencies.
 */
export interface PreTokenGenerationV2Event {
  readonly request: { readonly userAttributes: Readonly<Record<string, string>> };
  response: Record<string, unknown>;
}

export const handler = async (event: PreTokenGenerationV2Event): Promise<PreTokenGenerationV2Event> => {
  const org = event.request.userAttributes['custom:org'];
  event.response = {
    claimsAndScopeOverrideDetails: {
      accessTokenGeneration: org ? { claimsToAddOrOverride: { 'custom:org': org } } : {},
    },
  };
  return event;
};
