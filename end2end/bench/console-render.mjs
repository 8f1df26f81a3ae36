// The visitor console's first render in a real browser (issue 12, `make bench`): signs in to the
// workbench at the given address as the demo admin, opens the Visitors page and times, from the
// start of that navigation, until its table shows a full page of visitors; then, for ten seconds
// of live updates, how long the page's main thread was blocked by long tasks. Prints one JSON line.
//
// Usage: node end2end/bench/console-render.mjs http://127.0.0.1:PORT PASSWORD ROWS
import { chromium } from '@playwright/test';

const [base, password, rows] = process.argv.slice(2);
const want = Number(rows ?? 100);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run', '--disable-quic'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${base}/login`);
  await page.getByLabel('Company account').fill('demo');
  await page.getByLabel('Account', { exact: true }).fill('admin');
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor({ timeout: 60_000 });

  // A full load of the Visitors page: WASM, hydration, the socket, the snapshot, the rows.
  await page.goto(`${base}/visitors`);
  const table = page.getByRole('region', { name: 'Visitors online' }).getByRole('table');
  await table.getByRole('row').nth(want).waitFor({ timeout: 60_000 });
  const firstRenderMs = await page.evaluate(() => performance.now());

  // Ten seconds of page changes streaming in: main-thread time lost to long tasks (> 50 ms).
  const longTaskMs = await page.evaluate(
    () =>
      new Promise((resolve) => {
        let blocked = 0;
        new PerformanceObserver((list) => {
          for (const entry of list.getEntries()) blocked += entry.duration;
        }).observe({ type: 'longtask' });
        setTimeout(() => resolve(blocked), 10_000);
      }),
  );
  const shown = await table.getByRole('row').count();
  console.log(JSON.stringify({ first_render_ms: firstRenderMs, long_task_ms_per_10s: longTaskMs, rows: shown - 1 }));
} finally {
  await browser.close();
}
