import { expect } from '@playwright/test';

import { test } from '../fixtures/test';
import { Widget } from '../fixtures/widget';
import { Workbench } from '../fixtures/workbench';

test('a site asks visitors for their details first; the visitor fills them in, chats, and the agent sees them on the card', async ({ browser, server }, testInfo) => {
  const errors: string[] = [];
  const agentPage = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  const visitorPage = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  for (const p of [agentPage, visitorPage]) {
    p.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    p.on('pageerror', (e) => errors.push(e.message));
  }
  const workbench = new Workbench(agentPage);
  await workbench.signIn(server.url, server.company, server.adminLogin, server.adminPassword);

  // The site's form: before the first message, the name required, and the site's own WeChat field.
  await agentPage.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Visitor registration' }).click();
  const form = agentPage.getByRole('form', { name: 'Visitor registration' });
  await form.getByRole('checkbox', { name: 'Ask visitors for their details' }).check();
  await form.getByLabel('When').selectOption({ label: 'Before their first message' });
  await form.getByRole('checkbox', { name: 'Ask: Name' }).check();
  await form.getByRole('checkbox', { name: 'Required: Name' }).check();
  await form.getByRole('checkbox', { name: 'Ask: Phone' }).check();
  await form.getByRole('button', { name: 'Add a field' }).click();
  await form.getByRole('textbox', { name: 'Own field 1' }).fill('微信号');
  await form.getByRole('checkbox', { name: 'Required: Own field 1' }).check();
  await form.getByRole('button', { name: 'Save' }).click();
  await expect(agentPage.getByText('Saved.')).toBeVisible();
  await agentPage.screenshot({ path: testInfo.outputPath('registration-admin-1280.png'), fullPage: true });

  // The visitor is asked before the message box appears; the server says what is missing.
  await visitorPage.goto(server.demoUrl);
  const widget = new Widget(visitorPage);
  await widget.open();
  const chat = visitorPage.getByRole('dialog', { name: 'Chat' });
  const details = chat.getByRole('form', { name: 'Your details' });
  await expect(details).toBeVisible();
  await expect(chat.getByRole('textbox', { name: 'Message' })).toBeHidden();
  await details.getByRole('textbox', { name: '微信号 *' }).fill('wx_tea');
  await details.getByRole('button', { name: 'Send details' }).click();
  await expect(details.getByRole('alert')).toHaveText('Please fill in “Name”.');
  await expect(details.getByRole('textbox', { name: 'Name *' })).toHaveAttribute('aria-invalid', 'true');
  await visitorPage.screenshot({ path: testInfo.outputPath('registration-widget-1280.png') });
  await details.getByRole('textbox', { name: 'Name *' }).fill('王小明');
  await details.getByRole('textbox', { name: 'Phone' }).fill('138 0000 0000');
  await details.getByRole('button', { name: 'Send details' }).click();
  await expect(details).toBeHidden();
  await expect(chat.getByRole('status').filter({ hasText: 'your details were sent' })).toBeVisible();
  await widget.send('我想买乌龙茶');
  await widget.expectDelivered('我想买乌龙茶');

  // They can change them later from the header.
  await chat.getByRole('button', { name: 'Your details' }).click();
  await expect(details).toBeVisible();
  await visitorPage.setViewportSize({ width: 390, height: 844 });
  await visitorPage.screenshot({ path: testInfo.outputPath('registration-widget-390.png') });
  await chat.getByRole('button', { name: 'Your details' }).click();
  await expect(details).toBeHidden();

  // The agent sees the name in the chat list and everything on the card.
  await agentPage.getByRole('link', { name: 'Chats' }).click();
  // Named by what they gave, not "Visitor #…".
  await workbench.conversations().getByRole('button', { name: /^王小明/ }).click();
  await expect(workbench.log()).toContainText('我想买乌龙茶');
  await agentPage.getByRole('button', { name: 'Visitor details' }).click();
  const panel = agentPage.getByRole('complementary', { name: 'Visitor details' });
  await expect(panel.getByRole('textbox', { name: 'Name' })).toHaveValue('王小明');
  await expect(panel.getByRole('textbox', { name: 'Phone' })).toHaveValue('138 0000 0000');
  const gave = panel.getByRole('definition');
  await expect(gave).toHaveText('wx_tea');
  await expect(panel.getByRole('term')).toHaveText('微信号');
  await agentPage.screenshot({ path: testInfo.outputPath('registration-card-1280.png') });
  expect(errors).toEqual([]);
});
