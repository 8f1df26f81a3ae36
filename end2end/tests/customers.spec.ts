import { readFileSync } from 'node:fs';

import { expect } from '@playwright/test';

import { test } from '../fixtures/test';
import { Widget } from '../fixtures/widget';
import { Workbench } from '../fixtures/workbench';

test('the admin finds a customer known twice, merges the two records into one and exports the list', async ({ browser, server }, testInfo) => {
  const errors: string[] = [];
  const agentPage = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  agentPage.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  agentPage.on('pageerror', (e) => errors.push(e.message));
  const workbench = new Workbench(agentPage);
  await workbench.signIn(server.url, server.company, server.adminLogin, server.adminPassword);
  await agentPage.getByRole('link', { name: 'Visitors' }).click();
  const console_ = workbench.visitors();

  // The same person on a laptop and on a phone: the agent names both from the console.
  for (const [i, [name, field, value]] of [
    ['王小明', 'E-mail', 'wang@example.cn'],
    ['王小明 手机', 'Phone', '13800138000'],
  ].entries()) {
    const visitorPage = await (await browser.newContext()).newPage();
    await visitorPage.goto(server.demoUrl);
    await expect(new Widget(visitorPage).launcher()).toBeVisible();
    await expect(console_.getByRole('row')).toHaveCount(i + 2);
    await console_.getByRole('row').filter({ hasNotText: '王小明' }).getByRole('button', { name: /^Details / }).click();
    const panel = agentPage.getByRole('complementary', { name: 'Visitor details' });
    await panel.getByRole('textbox', { name: 'Name' }).fill(name);
    await panel.getByRole('textbox', { name: field }).fill(value);
    await panel.getByRole('button', { name: 'Save' }).click();
    await expect(panel.getByRole('heading', { name })).toBeVisible();
    await panel.getByRole('button', { name: 'Close' }).click();
  }

  await agentPage.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Customers' }).click();
  const customers = agentPage.getByRole('region', { name: 'Customers' });
  const find = customers.getByRole('search', { name: 'Find customers' });
  await find.getByLabel('Name, e-mail, phone, company or member id').fill('王小明');
  await find.getByRole('button', { name: 'Search' }).click();
  const rows = customers.getByRole('table', { name: 'Customers' }).getByRole('row');
  await expect(rows).toHaveCount(3);
  await customers.getByRole('checkbox', { name: 'Select 王小明', exact: true }).check();
  await customers.getByRole('checkbox', { name: 'Select 王小明 手机' }).check();
  await customers.getByRole('button', { name: 'Merge the two selected' }).click();
  const dialog = customers.getByRole('dialog');
  await expect(dialog).toContainText('are the same person');
  await agentPage.screenshot({ path: testInfo.outputPath('customers-merge-1280.png'), fullPage: true });
  await dialog.getByRole('button', { name: 'Keep 王小明', exact: true }).click();
  await expect(customers.getByRole('status')).toHaveText('Merged: 王小明 now holds both records.');
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(1)).toContainText('wang@example.cn');
  await expect(rows.nth(1)).toContainText('13800138000');

  // The card opens from the list, in the visitor panel.
  await customers.getByRole('button', { name: 'Open the card of 王小明' }).click();
  const panel = agentPage.getByRole('complementary', { name: 'Visitor details' });
  await expect(panel.getByRole('textbox', { name: 'Phone' })).toHaveValue('13800138000');
  await agentPage.screenshot({ path: testInfo.outputPath('customers-1280.png'), fullPage: true });
  await panel.getByRole('button', { name: 'Close' }).click();

  const download = agentPage.waitForEvent('download');
  await customers.getByRole('link', { name: 'Export CSV' }).click();
  const csv = readFileSync(await (await download).path(), 'utf8');
  expect(csv.charCodeAt(0)).toBe(0xfeff);
  expect(csv).toContain('王小明,wang@example.cn,13800138000');

  await agentPage.setViewportSize({ width: 390, height: 844 });
  await agentPage.screenshot({ path: testInfo.outputPath('customers-390.png'), fullPage: true });
  const overflow = await agentPage.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  expect(errors).toEqual([]);
});
