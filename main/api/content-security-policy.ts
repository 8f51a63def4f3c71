// The renderer's Content-Security-Policy, the same for the desktop app and the web mode: only the
// app's own scripts, styles and connections, no frames, forms or plugins. They differ only in where
// photos come from (the web mode serves them from its own origin; Electron from its media scheme).

export function contentSecurityPolicy(extraImageSources: readonly string[] = []): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    ["img-src 'self'", ...extraImageSources, 'data: blob:'].join(' '),
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
