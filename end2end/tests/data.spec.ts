import { readFileSync } from 'node:fs';

import { expect } from '@playwright/test';

import { test } from '../fixtures/test';
import { Widget } from '../fixtures/widget';
import { Workbench } from '../fixtures/workbench';

test('the admin sets how long records are kept, exports a visitor\'s data and erases the visitor', async ({ browser, server }, testInfo) => {
  const errors: string[] = [];
  const adminPage = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  adminPage.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  adminPage.on('pageerror', (e) => errors.push(e.message));
  const admin = new Workbench(adminPage);
  await admin.signIn(server.url, server.company, server.adminLogin, server.adminPassword);

  // A visitor asks for their data to go; the chat is answered and ended.
  const visitorPage = await (await browser.newContext()).newPage();
  await visitorPage.goto(server.demoUrl);
  const widget = new Widget(visitorPage);
  await widget.open();
  await widget.send('请删除我的个人信息，手机 13800138000');
  await widget.expectDelivered('请删除我的个人信息，手机 13800138000');
  await admin.conversations().getByRole('listitem').filter({ hasText: '请删除我的个人信息' }).getByRole('button').first().click();
  await admin.reply('好的，马上处理');
  await adminPage.getByRole('button', { name: 'End chat' }).click();

  await adminPage.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Data and privacy' }).click();
  const data = adminPage.getByRole('region', { name: 'Data and privacy' });

  // Records of the demo site are kept for a year.
  const retention = data.getByRole('region', { name: 'Keep conversation records' });
  await retention.getByLabel('Days to keep the records of Demo site').fill('365');
  await retention.getByRole('button', { name: 'Save' }).click();
  await expect(retention.getByText('Saved.')).toBeVisible();

  // The visitor, found by number: their data as JSON.
  const requests = data.getByRole('region', { name: 'Data requests' });
  const find = requests.getByRole('search', { name: /^Find a visitor/ });
  await find.getByLabel(/^Find a visitor/).fill('1');
  await find.getByRole('button', { name: 'Search' }).click();
  const found = requests.getByRole('table', { name: 'Visitors found' });
  await expect(found.getByRole('row')).toHaveCount(2);
  const download = adminPage.waitForEvent('download');
  await found.getByRole('link', { name: 'Export Visitor #1 as JSON' }).click();
  const json = JSON.parse(readFileSync(await (await download).path(), 'utf8'));
  expect(json.conversations[0].messages.map((m: { body: string }) => m.body)).toEqual(['请删除我的个人信息，手机 13800138000', '好的，马上处理']);
  await adminPage.screenshot({ path: testInfo.outputPath('data-1280.png'), fullPage: true });

  // All of the company's data, as one archive.
  const archive = adminPage.waitForEvent('download');
  await data.getByRole('region', { name: 'Company export' }).getByRole('link', { name: "Download all of the company's data (zip)" }).click();
  expect((await archive).suggestedFilename()).toMatch(/^kefu-.+\.zip$/);
  expect(readFileSync(await (await archive).path()).subarray(0, 2).toString()).toBe('PK');

  // Erasing asks for the visitor's name to be typed first.
  await found.getByRole('button', { name: 'Erase Visitor #1' }).click();
  const confirm = requests.getByRole('dialog');
  await expect(confirm.getByRole('button', { name: 'Delete' })).toBeDisabled();
  await confirm.getByLabel('Name to confirm').fill('Visitor #1');
  await confirm.getByRole('button', { name: 'Delete' }).click();
  await expect(requests.getByRole('status')).toHaveText('Visitor #1 erased (2 messages).');
  const erasures = data.getByRole('table', { name: 'Erasures' });
  await expect(erasures.getByRole('row')).toHaveCount(2);
  await expect(erasures.getByRole('row').nth(1)).toContainText('Demo Admin');

  // The records keep the conversation, without a word of it.
  await adminPage.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Records' }).click();
  const records = adminPage.getByRole('region', { name: 'Records' });
  await records.getByRole('button', { name: /^Open the conversation with/ }).click();
  const transcript = records.getByRole('region', { name: /^Conversation #/ });
  await expect(transcript.getByRole('list', { name: 'Messages' })).toContainText('Assigned to Demo Admin');
  await expect(transcript).not.toContainText('13800138000');

  await adminPage.goBack();
  await expect(data.getByRole('table', { name: 'Erasures' })).toBeVisible();
  await adminPage.setViewportSize({ width: 390, height: 844 });
  await adminPage.screenshot({ path: testInfo.outputPath('data-390.png'), fullPage: true });
  const overflow = await adminPage.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  expect(errors).toEqual([]);
});
