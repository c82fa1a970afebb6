import { validation } from "./errors";

export interface S3Location {
  bucket: string;
  key: string;
}

/** Splits `s3://bucket/key/prefix` into bucket and key (the key may be empty: a bucket or prefix URI). */
export function parseS3Uri(uri: string): S3Location {
  const match = /^s3:\/\/([^/]+)(?:\/(.*))?$/s.exec(uri);
  if (!match?.[1]) {
    throw validation(
      `"${uri}" is not an S3 URI: expected s3://<bucket>/<key>, for example s3://my-bucket/data/train.csv.`,
    );
  }
  return { bucket: match[1], key: match[2] ?? "" };
}
