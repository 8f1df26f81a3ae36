import { readFileSync } from 'node:fs';

import { Browser, expect, Page } from '@playwright/test';

import { test } from '../fixtures/test';
import { Widget } from '../fixtures/widget';
import { Workbench } from '../fixtures/workbench';

// Visitors come from different addresses: the server trusts the loopback proxy's X-Forwarded-For.
test.use({ serverEnv: { KEFU_TRUSTED_PROXIES: '127.0.0.1/32' } });

/** A visitor from `ip` who reaches the demo site through a link on `from` (served by the test, no
 *  network here, with the referrer policy that keeps the full address), or directly. */
async function visitor(browser: Browser, demoUrl: string, ip: string, from?: string): Promise<Page> {
  const context = await browser.newContext({ extraHTTPHeaders: { 'X-Forwarded-For': ip } });
  // Routed requests get the header where the browser no longer checks CORS (otherwise the
  // widget's cross-origin script would need a preflight for it).
  await context.route('**/*', (route) => route.continue());
  const page = await context.newPage();
  if (!from) {
    await page.goto(demoUrl);
    return page;
  }
  await page.route(`${new URL(from).origin}/**`, (route) =>
    route.fulfill({
      contentType: 'text/html; charset=utf-8',
      body: `<!doctype html><meta name="referrer" content="unsafe-url"><title>Links</title>
             <a href="${demoUrl}/pricing">Acme Tea pricing</a>`,
    }),
  );
  await page.goto(from);
  await page.getByRole('link', { name: 'Acme Tea pricing' }).click();
  return page;
}

test('three visitors from a Baidu search for 退款, a partner site and a bookmark chat; the admin reads each report in the site’s time zone, and its CSV', async ({ browser, server }, testInfo) => {
  test.setTimeout(120_000);
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
  await nav.getByRole('link', { name: 'Chats' }).click();
  const status = adminPage.getByLabel('My status');
  await expect(status).toHaveValue('online');

  // From Guangzhou via a Baidu search for 退款: answered by the admin.
  const searcher = await visitor(browser, server.demoUrl, '1.12.0.1', 'https://www.baidu.com/s?ie=utf-8&wd=%E9%80%80%E6%AC%BE');
  const first = new Widget(searcher);
  await first.open();
  await first.send('我想申请退款');
  await first.expectDelivered('我想申请退款');

  // From the United States via a partner's page while the admin is away: waits, then leaves.
  await status.selectOption('away');
  const partner = await visitor(browser, server.demoUrl, '8.8.8.8', 'https://partner.example/list');
  const second = new Widget(partner);
  await second.open();
  await second.send('Is anyone there?');
  await second.expectDelivered('Is anyone there?');
  await expect(partner.getByRole('dialog', { name: 'Chat' }).getByRole('status').filter({ hasText: 'in the queue' })).toBeVisible();
  const queue = admin.conversations().getByRole('region', { name: /Queue/ });
  await expect(queue.getByRole('button', { name: /^Take / })).toHaveCount(1);
  await partner.context().close();
  // Missed once the grace period has passed (before the admin is back, who would be given it).
  await expect(queue.getByRole('button', { name: /^Take / })).toHaveCount(0, { timeout: 20_000 });
  await status.selectOption('online');

  // From Japan, typed in: answered.
  const direct = await visitor(browser, server.demoUrl, '210.140.92.183');
  const third = new Widget(direct);
  await third.open();
  await third.send('こんにちは');
  await third.expectDelivered('こんにちは');

  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
  await nav.getByRole('link', { name: 'Statistics' }).click();
  const page = adminPage.getByRole('region', { name: 'Statistics' });
  const choose = async (report: string) => {
    await page.getByLabel('Report', { exact: true }).selectOption({ label: report });
    await page.getByLabel('Month', { exact: true }).fill(today.slice(0, 7));
    return page.getByRole('region', { name: report, exact: true });
  };

  // Chats: page views are written in batches and the left visitor is missed after the grace
  // period, so the report is opened again until all is in.
  const chatRow = (report: ReturnType<Page['getByRole']>) =>
    report.getByRole('table', { name: 'Chats by day' }).getByRole('row', { name: new RegExp(`^${today}`) });
  await expect(async () => {
    await nav.getByRole('link', { name: 'Chats' }).click();
    await nav.getByRole('link', { name: 'Statistics' }).click();
    const chats = await choose('Chats');
    // Chats, accepted, missed, left the queue, invitations (none sent).
    await expect(chatRow(chats).getByRole('cell')).toHaveText(['3', '2', '1', '1', '0', '0', '0'], { timeout: 1000 });
  }).toPass({ timeout: 30_000 });
  const chats = page.getByRole('region', { name: 'Chats', exact: true });
  await expect(chats.getByRole('region', { name: 'Chats by weekday and hour' }).getByRole('img')).toHaveAccessibleName(/^3 chats;/);
  await adminPage.screenshot({ path: testInfo.outputPath('stats-chats-1280.png'), fullPage: true });
  const download = adminPage.waitForEvent('download');
  await chats.getByRole('button', { name: 'Export CSV', exact: true }).click();
  const csv = readFileSync(await (await download).path(), 'utf8');
  expect(csv.startsWith('\uFEFFDay,Chats,Accepted,Missed,Left the queue,Invitations,Invitations accepted,Chats from invitations\r\n')).toBe(true);
  expect(csv).toContain(`${today},3,2,1,1,0,0,0\r\n`);

  // Traffic: three page views of three new visitors, three visits, three chats.
  const traffic = await choose('Traffic');
  const row = traffic.getByRole('table', { name: 'Traffic by day' }).getByRole('row', { name: new RegExp(`^${today}`) });
  await expect(row.getByRole('cell')).toHaveText(['3', '3', '3', '3', '0', '3']);
  await expect(traffic.getByRole('img').first()).toHaveAccessibleName(/Page views per day: 3 in all/);
  const totals = traffic.getByRole('table', { name: 'Traffic by day' });
  await expect(totals.getByRole('row', { name: /^Month before/ }).getByRole('cell')).toHaveText(['0', '0', '—', '0', '—', '0']);
  const devices = traffic.getByRole('table', { name: 'Devices' });
  await expect(devices.getByRole('row', { name: /^Computer/ }).getByRole('cell')).toHaveText(['3', '100.0%', '3', '100.0%']);
  await adminPage.screenshot({ path: testInfo.outputPath('stats-traffic-1280.png'), fullPage: true });

  // Sources: the keyword once, with its chat; each referring site; the own domain is none.
  const sources = await choose('Sources');
  const keywords = sources.getByRole('table', { name: 'Search keywords' });
  await expect(keywords.getByRole('row', { name: /^退款/ }).getByRole('cell')).toHaveText(['1', '33.3%', '1', '100.0%']);
  const referrers = sources.getByRole('table', { name: 'Referring sites' });
  await expect(referrers.getByRole('row', { name: /^baidu\.com/ }).getByRole('cell')).toHaveText(['1', '33.3%', '1', '100.0%']);
  await expect(referrers.getByRole('row', { name: /^partner\.example/ }).getByRole('cell')).toHaveText(['1', '33.3%', '1', '100.0%']);
  await expect(referrers.getByRole('row', { name: /127\.0\.0\.1/ })).toHaveCount(0);
  const kinds = sources.getByRole('table', { name: 'Kinds of source' });
  await expect(kinds.getByRole('row', { name: /^Direct/ }).getByRole('cell').first()).toHaveText('1');
  await adminPage.screenshot({ path: testInfo.outputPath('stats-sources-1280.png'), fullPage: true });
  const keywordCsv = adminPage.waitForEvent('download');
  await sources.getByRole('button', { name: 'Export CSV · Search keywords' }).click();
  const keywordText = readFileSync(await (await keywordCsv).path(), 'utf8');
  expect(keywordText).toContain('退款,1,33.3%,1,100.0%\r\n');

  // Regions: from each visitor's address.
  const regions = await choose('Regions');
  const countries = regions.getByRole('table', { name: 'Countries and regions' });
  for (const country of [/^China/, /^United States/, /^Japan/]) {
    await expect(countries.getByRole('row', { name: country }).getByRole('cell').first()).toHaveText('1');
  }
  await expect(regions.getByRole('table', { name: 'Provinces and states' }).getByRole('row', { name: /Guangdong/ })).toHaveCount(1);
  await adminPage.screenshot({ path: testInfo.outputPath('stats-regions-1280.png'), fullPage: true });

  // Response and handling: the admin was given two of the three chats (nobody answered yet); the
  // visitor who left the queue ended theirs, the others are still open.
  const handling = await choose('Response and handling');
  const byAgent = handling.getByRole('table', { name: 'Response and handling by agent' });
  await expect(byAgent.getByRole('row', { name: /^The whole site/ }).getByRole('cell').first()).toHaveText('3');
  await expect(byAgent.getByRole('row', { name: /^Demo Admin/ }).getByRole('cell').first()).toHaveText('2');
  const ended = handling.getByRole('table', { name: 'Ended by' });
  await expect(ended.getByRole('row', { name: /^Left the queue/ }).getByRole('cell').first()).toHaveText('1');
  await expect(ended.getByRole('row', { name: /^Still open/ }).getByRole('cell').first()).toHaveText('2');
  await adminPage.screenshot({ path: testInfo.outputPath('stats-handling-1280.png'), fullPage: true });

  // A year, by month.
  await page.getByLabel('Period', { exact: true }).selectOption({ label: 'Year' });
  await page.getByLabel('Year', { exact: true }).fill(today.slice(0, 4));
  await page.getByLabel('Year', { exact: true }).press('Enter');
  await page.getByLabel('Report', { exact: true }).selectOption({ label: 'Traffic' });
  const yearly = page.getByRole('region', { name: 'Traffic', exact: true }).getByRole('table', { name: 'Traffic by month' });
  await expect(yearly.getByRole('row', { name: new RegExp(`^${today.slice(0, 7)}`) }).getByRole('cell')).toHaveText(['3', '3', '—', '3', '—', '3']);

  await adminPage.setViewportSize({ width: 390, height: 844 });
  await adminPage.screenshot({ path: testInfo.outputPath('stats-390.png'), fullPage: true });
  const overflow = await adminPage.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  // The one refused save (the unknown zone) is the only failed request.
  expect(errors.filter((e) => !e.includes('422'))).toEqual([]);
});
