import type { ApiConfig } from "@parley/api";

/**
 * Where the browser loads shared images from when files are kept in S3: the origin of the bucket's
 * presigned links (`/files/<id>` redirects there). With S3_ENDPOINT, `<endpoint>` in path style
 * (S3_FORCE_PATH_STYLE) or `<bucket>.<endpoint host>`; on AWS, the regional virtual-hosted
 * `https://<bucket>.s3.<region>.amazonaws.com` (or `https://s3.<region>.amazonaws.com` in path
 * style), as AWS's "Virtual hosting of buckets" documents. Null on disk: links are this origin's.
 */
export function fileStoreOrigin(s3: ApiConfig["files"]["s3"]): string | null {
  if (!s3) return null;
  const endpoint = new URL(s3.endpoint ?? `https://s3.${s3.region}.amazonaws.com`);
  if (!s3.forcePathStyle) endpoint.hostname = `${s3.bucket}.${endpoint.hostname}`;
  return endpoint.origin;
}

/**
 * The headers every page carries: a Content Security Policy that lets the page load only its own
 * scripts, styles, images and fonts and talk only to its own origin (and to the realtime origin
 * when WebSockets are served elsewhere; images also from the file store's origin when files are in
 * S3), and the usual hardening headers. Next's App Router inlines the scripts that hand the
 * server-rendered state to the browser, so scripts may be inline; everything they load comes from
 * this origin.
 */
export function securityHeaders(options: {
  realtimeUrl: string | null;
  dev: boolean;
  /** `fileStoreOrigin`: where shared images are loaded from, when not from this origin. */
  fileOrigin?: string | null;
}): Record<string, string> {
  const connect = ["'self'", ...(options.realtimeUrl ? [new URL(options.realtimeUrl).origin] : [])];
  const csp = [
    "default-src 'self'",
    `script-src 'self' 'unsafe-inline'${options.dev ? " 'unsafe-eval'" : ""}`, // eval: Next's dev mode only
    "style-src 'self' 'unsafe-inline'",
    `img-src 'self' data: blob:${options.fileOrigin ? ` ${options.fileOrigin}` : ""}`,
    "font-src 'self'",
    `connect-src ${connect.join(" ")}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
  return {
    "content-security-policy": csp,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "strict-origin-when-cross-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "cross-origin-opener-policy": "same-origin",
  };
}
