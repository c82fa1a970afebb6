/**
 * Which AWS account hosts the Deep Learning Container images in each region. Both sides need it: the toolkit
 * builds image URIs from it, local SageMaker checks the URIs it is sent against it. It sits below both, so neither
 * imports the other.
 *
 * Source (looked up November 2026): the SageMaker Python SDK's `image_uri_config/huggingface.json` registry table.
 */

const MAIN_DLC_ACCOUNT = "763104351884";

/** Regions whose DLC registry lives in a different account than the main one. */
const REGISTRY_EXCEPTIONS: Readonly<Record<string, string>> = {
  "af-south-1": "626614931356",
  "ap-east-1": "871362719292",
  "ap-northeast-3": "364406365360",
  "ap-southeast-3": "907027046896",
  "cn-north-1": "727897471807",
  "cn-northwest-1": "727897471807",
  "eu-south-1": "692866216735",
  "il-central-1": "780543022126",
  "me-central-1": "914824155844",
  "me-south-1": "217643126080",
  "us-gov-east-1": "446045086412",
  "us-gov-west-1": "442386744353",
  "us-iso-east-1": "886529160074",
};

const MAIN_ACCOUNT_REGIONS: readonly string[] = [
  "ap-northeast-1",
  "ap-northeast-2",
  "ap-south-1",
  "ap-southeast-1",
  "ap-southeast-2",
  "ca-central-1",
  "eu-central-1",
  "eu-north-1",
  "eu-west-1",
  "eu-west-2",
  "eu-west-3",
  "sa-east-1",
  "us-east-1",
  "us-east-2",
  "us-west-1",
  "us-west-2",
];

/** The ECR account of the DLCs in a region; undefined for a region the table does not know. */
export function dlcRegistryAccount(region: string): string | undefined {
  return (
    REGISTRY_EXCEPTIONS[region] ?? (MAIN_ACCOUNT_REGIONS.includes(region) ? MAIN_DLC_ACCOUNT : undefined)
  );
}

/** Every region the table knows, sorted (for error messages). */
export function dlcRegions(): string[] {
  return [...MAIN_ACCOUNT_REGIONS, ...Object.keys(REGISTRY_EXCEPTIONS)].sort();
}
