import { expect } from '@playwright/test';

import { test } from '../fixtures/test';
import { Widget } from '../fixtures/widget';
import { Workbench } from '../fixtures/workbench';

test('the admin finds a Chinese conversation by 退款 in the records, opens it and exports it as CSV', async ({ browser, server }, testInfo) => {
  const errors: string[] = [];
  const adminPage = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  adminPage.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  adminPage.on('pageerror', (e) => errors.push(e.message));
  const admin = new Workbench(adminPage);
  await admin.signIn(server.url, server.company, server.adminLogin, server.adminPassword);

  // Two chats, one in Chinese, answered by the admin.
  for (const [i, text] of ['Hello, where is my parcel?', '我想申请退款，订单号 2026'].entries()) {
    const visitorPage = await (await browser.newContext()).newPage();
    await visitorPage.goto(server.demoUrl);
    const widget = new Widget(visitorPage);
    await widget.open();
    await widget.send(text);
    await widget.expectDelivered(text);
    await admin.conversations().getByRole('listitem').filter({ hasText: text }).getByRole('button').first().click();
    await admin.reply(i === 0 ? 'Tomorrow.' : '好的，已为您提交退款申请');
    // The English chat ends at once (a live chat cannot be deleted; this one is, below).
    if (i === 0) await adminPage.getByRole('button', { name: 'End chat' }).click();
  }

  await adminPage.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Records' }).click();
  const records = adminPage.getByRole('region', { name: 'Records' });
  await expect(records.getByRole('table', { name: 'Records' }).getByRole('row')).toHaveCount(3);
  const find = records.getByRole('search', { name: 'Find conversations' });
  await find.getByLabel('Text in the messages').fill('退款');
  await find.getByRole('button', { name: 'Search' }).click();
  const rows = records.getByRole('table', { name: 'Records' }).getByRole('row');
  await expect(rows).toHaveCount(2);
  // The newest message that holds the text is shown under the visitor.
  await expect(rows.nth(1)).toContainText('好的，已为您提交退款申请');
  await records.getByRole('button', { name: /^Open the conversation with/ }).click();
  const transcript = records.getByRole('region', { name: /^Conversation #/ });
  const lines = transcript.getByRole('list', { name: 'Messages' });
  await expect(lines).toContainText('我想申请退款，订单号 2026');
  await expect(lines).toContainText('Assigned to Demo Admin');
  // Who the visitor was, and the pages of the visit the chat happened in.
  const who = transcript.getByRole('region', { name: 'Visitor details' });
  await expect(who.getByRole('list', { name: 'Pages of that visit' }).getByRole('link', { name: 'Acme Tea — fine loose-leaf tea' })).toBeVisible();
  await adminPage.screenshot({ path: testInfo.outputPath('records-1280.png'), fullPage: true });
  await who.screenshot({ path: testInfo.outputPath('records-visitor-1280.png') });

  const download = adminPage.waitForEvent('download');
  await records.getByRole('link', { name: 'Export CSV' }).click();
  const csv = (await import('node:fs')).readFileSync(await (await download).path(), 'utf8');
  expect(csv.charCodeAt(0)).toBe(0xfeff);
  expect(csv).toContain('我想申请退款，订单号 2026');
  expect(csv).toContain('好的，已为您提交退款申请');
  expect(csv).not.toContain('parcel');
  const htmlDownload = adminPage.waitForEvent('download');
  await records.getByRole('link', { name: 'Export HTML', exact: true }).click();
  const html = (await import('node:fs')).readFileSync(await (await htmlDownload).path(), 'utf8');
  expect(html).toContain('我想申请退款，订单号 2026');
  expect(html.toLowerCase()).not.toContain('<script');
  // The open conversation alone, as one file named after it.
  const oneDownload = adminPage.waitForEvent('download');
  await transcript.getByRole('link', { name: 'Download (HTML)' }).click();
  expect((await oneDownload).suggestedFilename()).toMatch(/^conversation-\d+\.html$/);
  const one = (await import('node:fs')).readFileSync(await (await oneDownload).path(), 'utf8');
  expect(one).toContain('我想申请退款，订单号 2026');
  expect(one).not.toContain('parcel');

  // Tags and an internal note on the conversation; the tag then finds it.
  await transcript.getByLabel('Tags (separated by commas)').fill('退款，VIP');
  await transcript.getByRole('button', { name: 'Save tags' }).click();
  await expect(transcript.getByText('Saved.')).toBeVisible();
  await transcript.getByLabel('New note (not shown to the visitor)').fill('客户要求三天内退款');
  await transcript.getByRole('button', { name: 'Add note' }).click();
  await expect(transcript.getByRole('region', { name: 'Internal notes' })).toContainText('客户要求三天内退款');
  await find.getByLabel('Text in the messages').fill('');
  await find.getByLabel('Tag', { exact: true }).fill('VIP');
  await find.getByRole('button', { name: 'Search' }).click();
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(1)).toContainText('VIP');
  await adminPage.screenshot({ path: testInfo.outputPath('records-notes-1280.png'), fullPage: true });
  // Both chats are the admin's; the oldest first.
  await find.getByLabel('Tag', { exact: true }).fill('');
  await find.getByLabel('Agent').selectOption({ label: 'Demo Admin' });
  await find.getByRole('button', { name: 'Search' }).click();
  await find.getByLabel('Order').selectOption({ label: 'Oldest first' });
  await expect(rows).toHaveCount(3);
  await expect(rows.nth(1).getByRole('button')).toHaveAccessibleName('Open the conversation with Visitor #1');

  // The ended English chat is deleted for good, after a confirmation; the live one cannot be ticked.
  await expect(records.getByRole('checkbox', { name: 'Select the conversation with Visitor #2' })).toBeDisabled();
  await records.getByRole('checkbox', { name: 'Select the conversation with Visitor #1' }).check();
  await records.getByRole('button', { name: 'Delete selected (1)' }).click();
  const confirm = records.getByRole('dialog');
  await expect(confirm).toContainText(/Delete “Conversation #\d+”\?/);
  await adminPage.screenshot({ path: testInfo.outputPath('records-delete-1280.png'), fullPage: true });
  await confirm.getByRole('button', { name: 'Delete' }).click();
  await expect(records.getByRole('status')).toHaveText('Conversations deleted: 1.');
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(1).getByRole('button')).toHaveAccessibleName('Open the conversation with Visitor #2');

  await adminPage.setViewportSize({ width: 390, height: 844 });
  await adminPage.screenshot({ path: testInfo.outputPath('records-390.png'), fullPage: true });
  const overflow = await adminPage.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  expect(errors).toEqual([]);
});
