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
    // Two pages: the desk (index.html) and the citizen app served at /app (app.html, docs/channels/citizen-api.md).
    rollupOptions: {
      input: {
        desk: fileURLToPath(new URL("./index.html", import.meta.url)),
        app: fileURLToPath(new URL("./app.html", import.meta.url)),
      },
    },
  },
  server: {
    proxy: { "/api": { target: backend, ws: true, changeOrigin: false } },
  },
  test: {
    include: ["tests/**/*.test.ts"],
    setupFiles: ["tests/setup.ts"],
    // Render tests wait on timers and promises, not on the CPU: on a shared machine 5 s is too short.
    testTimeout: 20_000,
    environment: "node",
  },
});
