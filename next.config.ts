import type { NextConfig } from "next";
import createNextIntlPlugin from "next-intl/plugin";

// Headers for every response; the nonce-based CSP for pages is set per request in proxy.ts, and HSTS
// by scripts/server.mjs (it depends on APP_URL at run time, these are fixed at build time).
const common = [
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "X-Frame-Options", value: "DENY" },
  { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
  { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=()" },
];

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
      { source: "/:path*", headers: common },
      {
        source: "/api/:path*",
        headers: [
          { key: "Content-Security-Policy", value: "default-src 'none'; frame-ancestors 'none'" },
          { key: "Cache-Control", value: "no-store" },
        ],
      },
    ];
  },
};

// next-intl without locale routing: i18n/request.ts picks each request's language.
export default createNextIntlPlugin("./i18n/request.ts")(nextConfig);
