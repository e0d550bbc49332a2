import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** The portal's bundle: one chunk per page area (React.lazy), shared vendor code split by Vite. */
export default defineConfig({
  plugins: [react()],
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 1500,
  },
});
