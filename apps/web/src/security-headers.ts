/**
 * The headers every page carries: a Content Security Policy that lets the page load only its own
 * scripts, styles, images and fonts and talk only to its own origin (and to the realtime origin
 * when WebSockets are served elsewhere), and the usual hardening headers. Next's App Router
 * inlines the scripts that hand the server-rendered state to the browser, so scripts may be
 * inline; everything they load comes from this origin.
 */
export function securityHeaders(options: { realtimeUrl: string | null; dev: boolean }): Record<string, string> {
  const connect = ["'self'", ...(options.realtimeUrl ? [new URL(options.realtimeUrl).origin] : [])];
  const csp = [
    "default-src 'self'",
    `script-src 'self' 'unsafe-inline'${options.dev ? " 'unsafe-eval'" : ""}`, // eval: Next's dev mode only
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
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
