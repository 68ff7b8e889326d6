/**
 * What a local run hands on of the caller's AWS configuration: nothing. The services (DynamoDB
 * Local's JVM, the SQS emulator) start without any `AWS_*` variable; the functions and, while the app
 * runs, this process see only the local credentials and endpoints, and no credentials file, config
 * file, profile, web identity, container or instance credentials of the caller.
 *
 * The variables are those of the AWS SDKs and tools' settings reference
 * (https://docs.aws.amazon.com/sdkref/latest/guide/settings-reference.html#EVarSettings), the
 * container credential provider
 * (https://docs.aws.amazon.com/sdkref/latest/guide/feature-container-credentials.html), the IMDS
 * credential provider (https://docs.aws.amazon.com/sdkref/latest/guide/feature-imds-credentials.html)
 * and the assume-role (web identity) provider
 * (https://docs.aws.amazon.com/sdkref/latest/guide/feature-assume-role-credentials.html), plus the
 * names the AWS SDK for Java 1.x reads (AWS_ACCESS_KEY, AWS_SECRET_KEY, AWS_CREDENTIAL_PROFILES_FILE:
 * https://docs.aws.amazon.com/sdk-for-java/latest/developer-guide/migration-env-and-system-props.html)
 * and the legacy AWS_SECURITY_TOKEN and AWS_DEFAULT_PROFILE that older tools read.
 */
import { devNull } from 'node:os';

/** Variables that carry, or say where to find, the caller's credentials, profile or identity. */
export const CREDENTIAL_VARIABLES: readonly string[] = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_ACCESS_KEY',
  'AWS_SECRET_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_SECURITY_TOKEN',
  'AWS_CREDENTIAL_EXPIRATION',
  'AWS_CREDENTIAL_SCOPE',
  'AWS_ACCOUNT_ID',
  'AWS_PROFILE',
  'AWS_DEFAULT_PROFILE',
  'AWS_SDK_LOAD_CONFIG',
  'AWS_CONFIG_FILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_CREDENTIAL_PROFILES_FILE',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_ROLE_ARN',
  'AWS_ROLE_SESSION_NAME',
  'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS',
];

/** Prefixes of more such variables (container credentials, instance metadata). */
export const CREDENTIAL_VARIABLE_PREFIXES: readonly string[] = ['AWS_CONTAINER_', 'AWS_EC2_METADATA_'];

/** Whether `name` carries or locates the caller's credentials, profile or identity. */
export function isCredentialVariable(name: string): boolean {
  return CREDENTIAL_VARIABLES.includes(name) || CREDENTIAL_VARIABLE_PREFIXES.some((prefix) => name.startsWith(prefix));
}

/**
 * What an AWS SDK in the run reads instead of the caller's configuration: no shared config or
 * credentials file (the null device reads as empty), and no instance metadata lookup (IMDS, a request
 * off the machine's loopback). Credentials, region and endpoints come from variables set beside these.
 */
export const NO_CALLER_CONFIGURATION: Readonly<Record<string, string>> = {
  AWS_CONFIG_FILE: devNull,
  AWS_SHARED_CREDENTIALS_FILE: devNull,
  AWS_EC2_METADATA_DISABLED: 'true',
};

/**
 * The environment of a service process (DynamoDB Local, the SQS emulator): this process's, without
 * any `AWS_*` variable (none of them is for the service), plus `extra`.
 */
export function serviceEnvironment(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  const environment: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith('AWS_')) environment[name] = value;
  }
  return { ...environment, ...extra };
}

/**
 * The changes to this process's environment while a local app runs: every credential variable of
 * the caller removed (`undefined`), then the caller's configuration files replaced, then `settings`
 * (the local credentials, region and endpoints).
 */
export function processEnvironmentChanges(settings: Readonly<Record<string, string>>): Record<string, string | undefined> {
  const changes: Record<string, string | undefined> = {};
  for (const name of Object.keys(process.env)) {
    if (isCredentialVariable(name)) changes[name] = undefined;
  }
  return { ...changes, ...NO_CALLER_CONFIGURATION, ...settings };
}
