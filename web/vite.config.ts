/// <reference types="vitest/config" />
import { fileURLToPath, URL } from "node:url";
import vue from "@vitejs/plugin-vue";
import { defineConfig } from "vite";

// The Python server serves the bundle from the package, so the build lands inside it.
const backend = process.env.C122_BACKEND ?? "http://127.0.0.1:8122";

export default defineConfig({
  plugins: [vue()],
  resolve: { alias: { "@": fileURLToPath(new URL("./src", import.meta.url)) } },
  build: {
    outDir: "../src/c122/web_dist",
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
  },
  server: {
    proxy: { "/api": { target: backend, ws: true, changeOrigin: false } },
  },
  test: {
    include: ["tests/**/*.test.ts"],
    environment: "node",
  },
});
