// Builds the million-line test page (web/bench) into test-output/million-lines for the browser
// test of the log list; the UI's own build does not include it.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  logLevel: 'warn',
  build: {
    // Relative to root (web/bench).
    outDir: '../../test-output/million-lines',
    emptyOutDir: true,
  },
});
