// Builds the web UI into web/dist (served by the server at /). `npm run dev:web` serves it with
// live reload and sends /api to the server named by SLIPWAY_URL (default 127.0.0.1:7700).
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 800,
  },
  server: {
    fs: { allow: ['..'] },
    proxy: { '/api': { target: process.env.SLIPWAY_URL ?? 'http://127.0.0.1:7700', changeOrigin: false } },
  },
});
