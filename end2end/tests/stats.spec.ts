import { readFileSync } from 'node:fs';

import { expect } from '@playwright/test';

import { test } from '../fixtures/test';
import { Widget } from '../fixtures/widget';
import { Workbench } from '../fixtures/workbench';

test('the admin cuts the site’s days in Shanghai time and reads today’s page views and chat in Statistics, as a chart, a table and CSV', async ({ browser, server }, testInfo) => {
  const errors: string[] = [];
  const adminPage = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  adminPage.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  adminPage.on('pageerror', (e) => errors.push(e.message));
  const admin = new Workbench(adminPage);
  await admin.signIn(server.url, server.company, server.adminLogin, server.adminPassword);
  const nav = adminPage.getByRole('navigation', { name: 'Main' });

  // The site's days begin at midnight in Shanghai.
  await nav.getByRole('link', { name: 'Sites' }).click();
  await adminPage.getByRole('button', { name: 'Edit Demo site' }).click();
  const siteForm = adminPage.getByRole('form', { name: 'Edit site' });
  await siteForm.getByLabel('Time zone').fill('Asia/Beijing');
  await siteForm.getByRole('button', { name: 'Save' }).click();
  await expect(siteForm.getByLabel('Time zone')).toHaveAttribute('aria-invalid', 'true');
  await siteForm.getByLabel('Time zone').fill('Asia/Shanghai');
  await siteForm.getByRole('button', { name: 'Save' }).click();
  await expect(adminPage.getByText('Saved.')).toBeVisible();

  // A visitor reads two pages and chats.
  const visitorPage = await (await browser.newContext()).newPage();
  await visitorPage.goto(server.demoUrl);
  const widget = new Widget(visitorPage);
  // Open on each page: its socket is up, so the page was reported.
  await widget.open();
  await visitorPage.goto(`${server.demoUrl}/pricing`);
  await widget.open();
  await widget.send('我想了解价格');
  await widget.expectDelivered('我想了解价格');

  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
  await nav.getByRole('link', { name: 'Statistics' }).click();
  const stats = adminPage.getByRole('region', { name: 'Traffic' });
  await stats.getByLabel('Month').fill(today.slice(0, 7));
  const table = stats.getByRole('table', { name: 'Traffic by day' });
  const row = table.getByRole('row', { name: new RegExp(`^${today}`) });
  // Page views are written in batches: the page is opened again until both are in.
  await expect(async () => {
    await nav.getByRole('link', { name: 'Chats' }).click();
    await nav.getByRole('link', { name: 'Statistics' }).click();
    await stats.getByLabel('Month').fill(today.slice(0, 7));
    await expect(row.getByRole('cell')).toHaveText(['2', '1', '1', '1'], { timeout: 1000 });
  }).toPass();
  await expect(stats.getByRole('img')).toHaveAccessibleName(/Page views per day: 2 in all/);
  // The totals, and the month before's beside them for comparison (nothing then).
  await expect(table.getByRole('row', { name: /^Total/ }).getByRole('cell')).toHaveText(['2', '—', '1', '1']);
  await expect(table.getByRole('row', { name: /^Month before/ }).getByRole('cell')).toHaveText(['0', '—', '0', '0']);
  await adminPage.screenshot({ path: testInfo.outputPath('stats-1280.png'), fullPage: true });

  const download = adminPage.waitForEvent('download');
  await stats.getByRole('button', { name: 'Export CSV' }).click();
  const csv = readFileSync(await (await download).path(), 'utf8');
  expect(csv.startsWith('\uFEFFDay,Page views,Visitors,New visitors,Chats\r\n')).toBe(true);
  expect(csv).toContain(`${today},2,1,1,1\r\n`);

  await adminPage.setViewportSize({ width: 390, height: 844 });
  await adminPage.screenshot({ path: testInfo.outputPath('stats-390.png'), fullPage: true });
  const overflow = await adminPage.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  // The one refused save (the unknown zone) is the only failed request.
  expect(errors.filter((e) => !e.includes('422'))).toEqual([]);
});
