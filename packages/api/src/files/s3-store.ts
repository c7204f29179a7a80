import { createReadStream } from "node:fs";
import type { S3Config } from "../env";
import type { FileStore } from "./store";

/**
 * The file store in an S3-compatible bucket (AWS S3, MinIO, R2, Garage, s3rver) through the AWS
 * SDK v3: PutObject with the object's type and disposition, DeleteObject, ListObjectsV2, and GETs
 * presigned (SigV4 query signing) with `response-content-type` / `response-content-disposition`,
 * so the bucket answers with Parley's headers whatever it stored.
 *
 * The SDK is loaded only in this mode. It warns once at load that it will need Node 22 from
 * January 2027; its documented switch AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED keeps that
 * out of Parley's logs unless the operator set it otherwise.
 */
export async function createS3Store(config: S3Config): Promise<FileStore> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } = await import(
    "@aws-sdk/client-s3"
  );
  const { getSignedUrl } = await import("@aws-sdk/s3-request-presigner");
  const client = new S3Client({
    region: config.region,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    forcePathStyle: config.forcePathStyle,
    credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
    // Checksums only when an operation requires one: MinIO, R2, Garage and s3rver do not all know
    // the SDK's newer default (CRC32 trailers on every upload).
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  const Bucket = config.bucket;
  // Every key Parley writes, lists and removes lives under S3_PREFIX; the store's callers never see it.
  const { prefix } = config;
  const at = (key: string) => `${prefix}${key}`;
  return {
    kind: "s3",
    async put(key, source, meta) {
      await client.send(
        new PutObjectCommand({
          Bucket,
          Key: at(key),
          Body: createReadStream(source),
          ContentLength: meta.length,
          ContentType: meta.contentType,
          ContentDisposition: meta.disposition,
        }),
      );
    },
    async delete(keys) {
      // One request per key: DeleteObjects needs a Content-MD5 some stores insist on differently.
      await Promise.all(keys.map((key) => client.send(new DeleteObjectCommand({ Bucket, Key: at(key) }))));
    },
    async *listKeys(olderThan) {
      let ContinuationToken: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({ Bucket, Prefix: prefix || undefined, ContinuationToken }),
        );
        for (const object of page.Contents ?? []) {
          if (object.Key?.startsWith(prefix) && object.LastModified && object.LastModified < olderThan) {
            yield object.Key.slice(prefix.length);
          }
        }
        ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (ContinuationToken);
    },
    presignedUrl(key, meta, ttlSeconds) {
      const get = new GetObjectCommand({
        Bucket,
        Key: at(key),
        ResponseContentType: meta.contentType,
        ResponseContentDisposition: meta.disposition,
        ResponseCacheControl: `private, max-age=${ttlSeconds}`,
      });
      return getSignedUrl(client, get, { expiresIn: ttlSeconds });
    },
    close() {
      client.destroy();
    },
  };
}
