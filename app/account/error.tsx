"use client";

// The same error state as the dashboard's pages (Next wants an error.tsx in each segment).
export { default } from "../dashboard/error";
