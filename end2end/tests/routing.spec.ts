import { expect, test as base } from '@playwright/test';

import { KefuServer } from '../fixtures/server';
import { Widget } from '../fixtures/widget';
import { Workbench } from '../fixtures/workbench';

const test = base.extend<{ server: KefuServer }>({
  server: async ({}, use) => {
    const server = new KefuServer();
    await server.start();
    await use(server);
    await server.stop();
    server.cleanup();
  },
});

test('an away agent leaves the visitor waiting in the queue with a place shown, then takes the chat', async ({ browser, server }, testInfo) => {
  const errors: string[] = [];
  const agentPage = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  const visitorPage = await (await browser.newContext()).newPage();
  for (const p of [visitorPage, agentPage]) {
    p.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    p.on('pageerror', (e) => errors.push(e.message));
  }
  const workbench = new Workbench(agentPage);
  await workbench.signIn(server.url, server.company, server.adminLogin, server.adminPassword);
  const status = agentPage.getByLabel('My status');
  await expect(status).toHaveValue('online');

  // Away: visitors are told nobody is there, and a new chat waits in the queue.
  await status.selectOption('away');
  await visitorPage.goto(server.demoUrl);
  const widget = new Widget(visitorPage);
  await widget.open();
  const dialog = visitorPage.getByRole('dialog', { name: 'Chat' });
  await expect(dialog.getByText('Nobody is online right now')).toBeVisible();
  await widget.send('我想申请退款');
  await widget.expectDelivered('我想申请退款');
  await expect(dialog.getByRole('status').filter({ hasText: 'in the queue' })).toHaveText('You are number 1 in the queue.');

  // The agent sees the visitor in the queue with how long they have waited, and takes the chat.
  const queue = workbench.conversations().getByRole('region', { name: /Queue/ });
  await expect(queue.getByRole('button', { name: /^Take / })).toHaveCount(1);
  await expect(queue).toContainText('waiting');
  await agentPage.screenshot({ path: testInfo.outputPath('queue-1280.png'), fullPage: true });
  await queue.getByRole('button', { name: /^Take / }).click();
  await expect(dialog.getByRole('status').filter({ hasText: 'talking to' })).toHaveText(/You are now talking to .+\./);
  await expect(queue.getByRole('button', { name: /^Take / })).toHaveCount(0);
  const mine = workbench.conversations().getByRole('region', { name: 'My chats' });
  await expect(mine.getByRole('button')).toHaveCount(1);
  await expect(workbench.log()).toContainText('我想申请退款');
  await workbench.reply('您好，我来帮您处理。');
  await expect(widget.log()).toContainText('您好，我来帮您处理。');

  // Online again: visitors see someone is there.
  await status.selectOption('online');
  await expect(dialog.getByText('We are online')).toBeVisible();
  await expect(agentPage.locator('.status-picker')).toHaveAttribute('data-status', 'online');
  await agentPage.setViewportSize({ width: 390, height: 844 });
  await agentPage.screenshot({ path: testInfo.outputPath('chats-status-390.png'), fullPage: true });
  await visitorPage.screenshot({ path: testInfo.outputPath('widget-assigned.png') });
  expect(errors).toEqual([]);
});
