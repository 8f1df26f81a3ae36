import { expect } from '@playwright/test';

import { test } from '../fixtures/test';
import { Widget } from '../fixtures/widget';
import { Workbench } from '../fixtures/workbench';

const CHROME_WINDOWS =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';

test('the console shows a visitor from a Baidu search with the Chinese keyword, device and pages, sorted, filtered and with chosen columns', async ({ browser, server }, testInfo) => {
  const agentPage = await (await browser.newContext()).newPage();
  const workbench = new Workbench(agentPage);
  await workbench.signIn(server.url, server.company, server.adminLogin, server.adminPassword);
  await agentPage.getByRole('link', { name: 'Visitors' }).click();
  const console_ = workbench.visitors();
  await expect(console_.getByRole('table')).toBeVisible();

  // The visitor searches Baidu for 退款 and follows a result to the shop. Baidu's results page is
  // served by the test (no network here), with the referrer policy that keeps the full address.
  const visitorContext = await browser.newContext({ userAgent: CHROME_WINDOWS });
  const visitorPage = await visitorContext.newPage();
  await visitorPage.route('https://www.baidu.com/**', (route) =>
    route.fulfill({
      contentType: 'text/html; charset=utf-8',
      body: `<!doctype html><meta name="referrer" content="unsafe-url"><title>退款_百度搜索</title>
             <a href="${server.demoUrl}/pricing">Acme Tea pricing</a>`,
    }),
  );
  await visitorPage.goto('https://www.baidu.com/s?ie=utf-8&wd=%E9%80%80%E6%AC%BE');
  await visitorPage.getByRole('link', { name: 'Acme Tea pricing' }).click();
  await expect(new Widget(visitorPage).launcher()).toBeVisible();

  const row = console_.getByRole('row').filter({ hasText: 'Pricing — Acme Tea' });
  await expect(row).toHaveCount(1);
  await expect(row.getByRole('cell').filter({ hasText: '退款' })).toBeVisible();
  await expect(row).toContainText('New');
  await expect(row).toContainText('Search engine · baidu.com');
  await expect(row).toContainText('Computer · Chrome 120 · Windows 10');
  const pages = console_.getByRole('columnheader', { name: 'Pages' });
  await expect(row.locator('td.pages')).toHaveText('1');

  // Moving within the shop counts a page and keeps the source.
  await visitorPage.getByRole('link', { name: 'Back home' }).click();
  const moved = console_.getByRole('row').filter({ hasText: 'Acme Tea — fine loose-leaf tea' });
  await expect(moved.locator('td.pages')).toHaveText('2');
  await expect(moved).toContainText('Search engine · baidu.com');

  // The details panel: this visit's two pages (the trajectory), and a card the agent names.
  await moved.getByRole('button', { name: /^Details / }).click();
  const panel = agentPage.getByRole('complementary', { name: 'Visitor details' });
  const visit = panel.getByRole('region', { name: 'This visit' });
  await expect(visit.getByRole('listitem')).toHaveCount(2);
  await expect(visit.getByRole('listitem').first()).toContainText('Pricing — Acme Tea');
  await expect(visit.getByRole('listitem').last()).toContainText('still here');
  await panel.getByRole('textbox', { name: 'Name' }).fill('王先生');
  await panel.getByRole('textbox', { name: 'Tags (one per line)' }).fill('VIP\n老客户');
  await panel.getByRole('button', { name: 'Save' }).click();
  await expect(panel.getByRole('heading', { name: '王先生' })).toBeVisible();
  await expect(console_.getByRole('row', { name: '王先生' })).toBeVisible();
  await agentPage.screenshot({ path: testInfo.outputPath('details-1280.png') });
  await panel.getByRole('button', { name: 'Close' }).click();
  await expect(panel).toBeHidden();

  // A second visitor typing the address: sorting by pages puts the Baidu visitor first, then last.
  const directPage = await (await browser.newContext({ userAgent: CHROME_WINDOWS })).newPage();
  await directPage.goto(`${server.demoUrl}/pricing`);
  await expect(console_.getByRole('row')).toHaveCount(3);
  await pages.getByRole('button', { name: 'Pages' }).click();
  await expect(pages).toHaveAttribute('aria-sort', 'descending');
  await expect(console_.getByRole('row').nth(1)).toContainText('退款');
  await pages.getByRole('button', { name: 'Pages' }).click();
  await expect(pages).toHaveAttribute('aria-sort', 'ascending');
  await expect(console_.getByRole('row').nth(2)).toContainText('退款');

  // Filters: only search-engine visitors; search by the keyword.
  await console_.getByRole('combobox', { name: 'Source' }).selectOption({ label: 'Search engine' });
  await expect(console_.getByRole('row')).toHaveCount(2);
  await console_.getByRole('combobox', { name: 'Source' }).selectOption({ label: 'All' });
  await expect(console_.getByRole('row')).toHaveCount(3);
  await console_.getByRole('searchbox', { name: 'Search visitors' }).fill('退款');
  await expect(console_.getByRole('row')).toHaveCount(2);
  await console_.getByRole('searchbox', { name: 'Search visitors' }).fill('');

  // The filters are this page's: beside the chats everyone is listed, and coming back shows All.
  await console_.getByRole('combobox', { name: 'Source' }).selectOption({ label: 'Search engine' });
  await expect(console_.getByRole('row')).toHaveCount(2);
  await agentPage.getByRole('link', { name: 'Chats' }).click();
  await expect(workbench.visitors().getByRole('listitem')).toHaveCount(2);
  await agentPage.getByRole('link', { name: 'Visitors' }).click();
  await expect(console_.getByRole('combobox', { name: 'Source' })).toHaveValue('');
  await expect(console_.getByRole('row')).toHaveCount(3);

  // The IP column is off by default; choosing it is remembered in this browser.
  await expect(console_.getByRole('columnheader', { name: 'IP address' })).toHaveCount(0);
  await console_.getByText('Columns', { exact: true }).first().click();
  await console_.getByRole('checkbox', { name: 'IP address' }).check();
  await expect(console_.getByRole('columnheader', { name: 'IP address' })).toBeVisible();
  await agentPage.reload();
  await expect(agentPage.getByRole('status')).toHaveText('Connected');
  await expect(console_.getByRole('columnheader', { name: 'IP address' })).toBeVisible();
  await expect(console_.getByRole('row')).toHaveCount(3);

  await agentPage.screenshot({ path: testInfo.outputPath('console-1280.png') });
  await agentPage.setViewportSize({ width: 390, height: 844 });
  await expect(console_.getByRole('cell').filter({ hasText: '退款' })).toBeVisible();
  await agentPage.screenshot({ path: testInfo.outputPath('console-390.png'), fullPage: true });
});
