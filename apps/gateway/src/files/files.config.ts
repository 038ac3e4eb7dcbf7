/** Which provider scopes may read a bucket under /files/ with a key (signed URLs need none). */
export class FilesConfig {
  /** Bucket → provider scopes, from each provider's <PROVIDER>_BUCKET (providerBuckets) and the upload buckets. */
  bucketScopes: Record<string, string[]> = {};

  static fromBuckets(buckets: [scope: string, bucket: string][]): FilesConfig {
    const config = new FilesConfig();
    for (const [scope, bucket] of buckets) (config.bucketScopes[bucket] ??= []).push(scope);
    return config;
  }
}
