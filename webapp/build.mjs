// Builds dist/ (committed, embedded by webapp.go) from src/: one bundle per
// page plus its static files. The output depends only on src/ and the
// locked packages, so .ci/run can rebuild it and compare.
import * as esbuild from 'esbuild';
import { cpSync, rmSync } from 'node:fs';

const pages = {
  auth: ['index.html'],
  notes: ['index.html', 'manifest.json', 'icon.svg'],
};

rmSync('dist', { recursive: true, force: true });
for (const [page, files] of Object.entries(pages)) {
  await esbuild.build({
    entryPoints: [`src/${page}/main.js`],
    outfile: `dist/${page}/app.js`,
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    charset: 'utf8',
    legalComments: 'eof',
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'warning',
  });
  for (const f of files) {
    cpSync(`src/${page}/${f}`, `dist/${page}/${f}`);
  }
  cpSync('src/shared/style.css', `dist/${page}/style.css`);
}
