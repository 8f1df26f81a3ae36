import { expect } from '@playwright/test';

import { test } from '../fixtures/test';
import { addBob, Workbench } from '../fixtures/workbench';

test('two agents chat internally with unread counts, and an admin broadcast shows as a banner until dismissed', async ({ browser, server }, testInfo) => {
  const errors: string[] = [];
  const adminPage = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  // Bob is on his phone.
  const bobPage = await (await browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true })).newPage();
  for (const p of [adminPage, bobPage]) {
    p.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    p.on('pageerror', (e) => errors.push(e.message));
  }
  const admin = new Workbench(adminPage);
  await admin.signIn(server.url, server.company, server.adminLogin, server.adminPassword);
  await addBob(adminPage, server);
  const bob = new Workbench(bobPage);
  await bob.signIn(server.url, server.company, 'bob', 'bob-pass-1');

  // The admin finds Bob among the colleagues, with his status and load, and writes to him.
  await adminPage.getByRole('link', { name: 'Colleagues' }).click();
  const bobButton = adminPage.getByRole('button', { name: /^Bob/ });
  await expect(bobButton).toContainText('Online');
  await expect(bobButton).toContainText('0 of 5 chats');
  await bobButton.click();
  await adminPage.getByRole('textbox', { name: 'Message to Bob' }).fill('下午三点开会，别忘了');
  await adminPage.getByRole('button', { name: 'Send', exact: true }).click();
  const sent = admin.log().getByRole('listitem').filter({ hasText: '下午三点开会，别忘了' });
  await expect(sent).toHaveCount(1);
  await expect(sent).not.toContainText('Sending');

  // Bob, elsewhere in the workbench, sees the count in the navigation and in the tab's title.
  const bobLink = bobPage.getByRole('link', { name: /^Colleagues/ });
  await expect(bobLink).toHaveAccessibleName('Colleagues 1 unread');
  await expect(bobPage).toHaveTitle(/^\(1\) /);
  await bobLink.click();
  const fromAdmin = bobPage.getByRole('button', { name: /^Demo Admin/ });
  await expect(fromAdmin).toContainText('1 unread');
  await fromAdmin.click();
  await expect(bob.log().getByRole('listitem').filter({ hasText: '下午三点开会，别忘了' })).toContainText('Demo Admin');
  // Read: the counts go.
  await expect(bobLink).toHaveAccessibleName('Colleagues');
  await expect(bobPage).not.toHaveTitle(/^\(\d+\) /);
  await bobPage.getByRole('textbox', { name: 'Message to Demo Admin' }).fill('收到，谢谢');
  await bobPage.getByRole('textbox', { name: 'Message to Demo Admin' }).press('Enter');
  await expect(admin.log().getByRole('listitem').filter({ hasText: '收到，谢谢' })).toContainText('Bob');

  // A broadcast reaches Bob as a banner (the admin's own view says how many it reached).
  await adminPage.getByLabel('Broadcast to everyone online').fill('系统将于今晚十点维护，请提前保存工作');
  await adminPage.getByRole('button', { name: 'Broadcast', exact: true }).click();
  await expect(adminPage.getByRole('status').filter({ hasText: 'Sent to colleagues online' })).toHaveText('Sent to colleagues online: 1.');
  const banners = bobPage.getByRole('region', { name: 'Broadcasts' });
  await expect(banners).toContainText('系统将于今晚十点维护，请提前保存工作');
  await expect(banners).toContainText('Broadcast from Demo Admin');
  await adminPage.screenshot({ path: testInfo.outputPath('colleagues-1280.png'), fullPage: true });
  await bobPage.screenshot({ path: testInfo.outputPath('colleagues-390.png'), fullPage: true });
  // One hand, no sideways scrolling.
  const overflow = await bobPage.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);

  // Back on his list: the thread stays; after a reload the history is fetched again.
  await bobPage.getByRole('button', { name: 'Back to colleagues' }).click();
  await bobPage.reload();
  await expect(bobPage.getByRole('status').filter({ hasText: /^Connected$/ })).toBeVisible();
  await expect(banners).toContainText('系统将于今晚十点维护', { timeout: 10_000 });
  await bobPage.getByRole('button', { name: 'Dismiss the broadcast from Demo Admin' }).click();
  await expect(banners).toHaveCount(0);
  // Dismissed for good: not back after another reload. (The history asked for after the reload
  // comes after everything the socket sends on connecting, broadcasts included.)
  await bobPage.reload();
  await bobPage.getByRole('button', { name: /^Demo Admin/ }).click();
  const history = bob.log().getByRole('listitem');
  await expect(history).toHaveCount(2);
  await expect(history.nth(0)).toContainText('下午三点开会，别忘了');
  await expect(history.nth(1)).toContainText('收到，谢谢');
  await expect(banners).toHaveCount(0);
  expect(errors).toEqual([]);
});
