/**
 * How local SageMaker spells ARNs and keys its stores. SageMaker names are unique regardless of case, its ARNs
 * carry the lower-cased name, and the stores are keyed by the lower-cased name too.
 */

/** The region and account the server writes into its ARNs (settings: AWS_REGION, else Seoul; account 0…0). */
export interface Identity {
  region: string;
  accountId: string;
}

export const storeKey = (name: string): string => name.toLowerCase();

/** `arn:aws:sagemaker:<region>:<account>:<kind>/<lower-cased name>`, e.g. kind "training-job". */
export function sagemakerArn(identity: Identity, kind: string, name: string): string {
  return `arn:aws:sagemaker:${identity.region}:${identity.accountId}:${kind}/${name.toLowerCase()}`;
}
