import { expect } from '@playwright/test';

import { test } from '../fixtures/test';
import { Widget } from '../fixtures/widget';
import { Workbench } from '../fixtures/workbench';

test('an agent keeps canned replies, imports a CSV with a bad row, and inserts one with / in a chat, names filled in', async ({ browser, server }, testInfo) => {
  const errors: string[] = [];
  const agentPage = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  const visitorPage = await (await browser.newContext()).newPage();
  for (const p of [agentPage, visitorPage]) {
    // The preview refuses nothing; a refused save would be a 422 the test does not expect.
    p.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    p.on('pageerror', (e) => errors.push(e.message));
  }
  const workbench = new Workbench(agentPage);
  await workbench.signIn(server.url, server.company, server.adminLogin, server.adminPassword);
  const nav = agentPage.getByRole('navigation', { name: 'Main' });
  await nav.getByRole('link', { name: 'Canned replies' }).click();
  const page = agentPage.getByRole('region', { name: 'Canned replies' });
  await expect(page.getByRole('tab', { name: 'Mine' })).toHaveAttribute('aria-selected', 'true');

  // A reply of one's own, with its variables.
  await page.getByRole('button', { name: 'New canned reply' }).click();
  const form = agentPage.getByRole('form', { name: 'New canned reply' });
  await form.getByLabel('Title').fill('问候');
  await form.getByLabel('Text').fill('{visitor_name}您好，我是{agent_name}，欢迎光临{site_name}。');
  await form.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('rowheader', { name: '问候' })).toBeVisible();

  // A CSV from another tool: the preview names the bad row; the good one goes in, with its folder.
  const csv = '标题,内容,分组\n退款,请提供订单号,售后\n,没有标题,售后\n';
  await page.getByLabel('CSV or Excel file').setInputFiles({ name: '常用语.csv', mimeType: 'text/csv', buffer: Buffer.from(csv, 'utf8') });
  const preview = page.getByRole('table', { name: 'Rows in the file' });
  await expect(preview.getByRole('row').filter({ hasText: '售后' }).nth(1)).toContainText('3售后Title is required.');
  await agentPage.screenshot({ path: testInfo.outputPath('canned-import-1280.png'), fullPage: true });
  await page.getByRole('button', { name: 'Import 1 replies' }).click();
  await expect(page.getByText('1 replies imported.')).toBeVisible();
  await expect(page.getByRole('rowheader', { name: '退款' })).toBeVisible();
  // Dragged onto the first row, the imported reply comes first.
  const titles = page.getByRole('table').first().getByRole('rowheader');
  await expect(titles).toHaveText(['问候', '退款']);
  await page.getByRole('row', { name: /^退款/ }).dragTo(page.getByRole('row', { name: /^问候/ }));
  await expect(titles).toHaveText(['退款', '问候']);
  await page.getByRole('navigation', { name: 'Folders' }).getByRole('button', { name: '售后', exact: true }).click();
  await expect(page.getByRole('rowheader', { name: '问候' })).toBeHidden();
  await agentPage.screenshot({ path: testInfo.outputPath('canned-1280.png'), fullPage: true });
  await agentPage.setViewportSize({ width: 390, height: 844 });
  await agentPage.screenshot({ path: testInfo.outputPath('canned-390.png'), fullPage: true });
  await agentPage.setViewportSize({ width: 1280, height: 900 });

  // In a chat: / and a few letters, Enter inserts the reply with the names filled in.
  await visitorPage.goto(server.demoUrl);
  const widget = new Widget(visitorPage);
  await widget.open();
  await widget.send('你好');
  await widget.expectDelivered('你好');
  await nav.getByRole('link', { name: 'Chats' }).click();
  await workbench.openFirstConversation();
  const reply = agentPage.getByRole('textbox', { name: 'Message' });
  const list = agentPage.getByRole('listbox', { name: 'Canned replies' });
  // Pinyin initials find a Chinese title: /wh is 问候 (wèn hòu).
  await reply.fill('/wh');
  await expect(list.getByRole('option')).toHaveText([/问候/]);
  await reply.fill('/问');
  await expect(list.getByRole('option')).toHaveCount(1);
  await expect(list.getByRole('option', { name: /问候/ })).toHaveAttribute('aria-selected', 'true');
  await agentPage.screenshot({ path: testInfo.outputPath('canned-picker-1280.png') });
  await reply.press('Enter');
  await expect(list).toBeHidden();
  await expect(reply).toHaveValue(/^Visitor #\d+您好，我是Demo Admin，欢迎光临Demo site。$/);
  await reply.press('Enter');
  await expect(visitorPage.getByRole('dialog', { name: 'Chat' }).getByRole('log')).toContainText('您好，我是Demo Admin，欢迎光临Demo site。');
  // Escape closes the list and leaves the text.
  await reply.fill('/退');
  await expect(list.getByRole('option', { name: /退款/ })).toBeVisible();
  await reply.press('Escape');
  await expect(list).toBeHidden();
  await expect(reply).toHaveValue('/退');
  // The shortcuts list names the picker; Alt+W ends the open chat.
  await reply.fill('');
  await agentPage.getByRole('button', { name: 'Keyboard shortcuts' }).click();
  const help = agentPage.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await expect(help).toContainText('In the reply box: canned replies');
  await help.getByRole('button', { name: 'Close' }).click();
  await agentPage.keyboard.press('Alt+w');
  await expect(visitorPage.getByRole('button', { name: 'Start a new chat' })).toBeVisible();
  expect(errors).toEqual([]);
});
