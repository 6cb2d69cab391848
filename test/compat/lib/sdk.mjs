// The official Convert SDK (@convertcom/js-sdk, pinned in package.json),
// instantiated in data mode with tracking off.  Its managers are reached
// through the instance, so the code under comparison is the SDK's own.
import sdkModule from '@convertcom/js-sdk';

const ConvertSDK = sdkModule.default || sdkModule;

export const NOT_DECIDED = 'convert.com_variation_not_decided';

export function createSdk(data, options = {}) {
  return new ConvertSDK({
    data,
    network: { tracking: false },
    logger: { logLevel: 5 },
    ...options,
  });
}

// A minimal valid config: the SDK needs an account and a project id.
export function emptyConfig() {
  return {
    account_id: '10022898',
    project: { id: '10025986' },
    experiences: [],
    audiences: [],
    locations: [],
    segments: [],
    goals: [],
    features: [],
    archived_experiences: [],
  };
}
