import type { NextConfig } from "next";
import createNextIntlPlugin from "next-intl/plugin";
import SECURITY_HEADERS from "./lib/security-headers.json";

// Headers for every response (lib/security-headers.json; scripts/server.mjs adds the same ones to the
// API answers it writes itself); the nonce-based CSP for pages is set per request in proxy.ts, and
// HSTS by scripts/server.mjs (it depends on APP_URL at run time, these are fixed at build time).
const list = (headers: Record<string, string>) => Object.entries(headers).map(([key, value]) => ({ key, value }));

const nextConfig: NextConfig = {
  // Bundled PGlite fails at runtime (its wasm/data files are resolved through import.meta.url);
  // bundled piscina cannot find its own worker file (a request then hangs).
  serverExternalPackages: ["@electric-sql/pglite", "piscina"],
  poweredByHeader: false,
  // Request URLs can carry the invitation secret: Next's own request logging stays off; the custom
  // server logs each request without its query string.
  logging: false,
  async headers() {
    return [
      { source: "/:path*", headers: list(SECURITY_HEADERS.every) },
      { source: "/api/:path*", headers: list(SECURITY_HEADERS.api) },
    ];
  },
};

// next-intl without locale routing: i18n/request.ts picks each request's language.
export default createNextIntlPlugin("./i18n/request.ts")(nextConfig);
