import { expect } from '@playwright/test';

import { test } from '../fixtures/test';
import { Widget } from '../fixtures/widget';
import { Workbench } from '../fixtures/workbench';

test('an agent pushes a link and blocks a visitor, who is only told chat is not available until an admin lifts it', async ({ browser, server }, testInfo) => {
  const agentPage = await (await browser.newContext()).newPage();
  const workbench = new Workbench(agentPage);
  await workbench.signIn(server.url, server.company, server.adminLogin, server.adminPassword);
  const visitorPage = await (await browser.newContext()).newPage();
  await visitorPage.goto(server.demoUrl);
  const widget = new Widget(visitorPage);
  await widget.open();
  await widget.send('优惠券在哪里领？');
  await widget.expectDelivered('优惠券在哪里领？');
  await workbench.openFirstConversation();
  await expect(workbench.log()).toContainText('优惠券在哪里领？');

  // A link: anything but http and https is refused in the agent's language; a web link reaches the
  // visitor as text with its host and an Open link to a new tab.
  await agentPage.getByRole('button', { name: 'Send a link' }).click();
  const linkForm = agentPage.getByRole('form', { name: 'Send a link' });
  await linkForm.getByRole('textbox', { name: 'Link (http or https)' }).fill('javascript:alert(1)');
  await linkForm.getByRole('button', { name: 'Send' }).click();
  await expect(linkForm.getByRole('alert')).toContainText('Link (http or https)');
  const coupon = `${server.demoUrl}/pricing?coupon=新客`;
  await linkForm.getByRole('textbox', { name: 'Link (http or https)' }).fill(coupon);
  await linkForm.getByRole('button', { name: 'Send' }).click();
  await expect(agentPage.getByText(/Link sent:/)).toBeVisible();
  const host = new URL(server.demoUrl).host;
  const card = widget.log().getByRole('listitem').filter({ hasText: 'sent you a link' });
  await expect(card).toContainText(coupon);
  const open = card.getByRole('link', { name: `Open ${host}` });
  await expect(open).toHaveAttribute('href', coupon);
  await expect(open).toHaveAttribute('target', '_blank');
  await expect(open).toHaveAttribute('rel', 'noopener noreferrer');

  // Blocked for an hour with a reason: the chat ends and the widget offers no message box.
  await agentPage.getByRole('button', { name: 'Block visitor' }).click();
  const blockForm = agentPage.getByRole('form', { name: 'Block visitor' });
  await blockForm.getByRole('textbox', { name: 'Reason' }).fill('恶意刷屏');
  await blockForm.getByRole('combobox', { name: 'Block for' }).selectOption({ label: '1 hour' });
  await blockForm.getByRole('button', { name: 'Block' }).click();
  const dialog = visitorPage.getByRole('dialog', { name: 'Chat' });
  await expect(dialog.getByText('Chat is not available right now.')).toBeVisible();
  await expect(dialog.getByRole('textbox', { name: 'Message' })).toBeHidden();
  await expect(dialog.getByRole('button', { name: 'Start a new chat' })).toBeHidden();
  await visitorPage.screenshot({ path: testInfo.outputPath('blocked-widget-1280.png') });

  // The console shows the visitor as blocked; the Blocks page says who, why and until when.
  await agentPage.getByRole('link', { name: 'Visitors' }).click();
  await expect(workbench.visitors().getByRole('row').filter({ hasText: 'Blocked' })).toHaveCount(1);
  await agentPage.getByRole('link', { name: 'Blocks' }).click();
  const row = agentPage.getByRole('row').filter({ hasText: '恶意刷屏' });
  await expect(row).toHaveCount(1);

  // Too wide a range is refused with its reason; then the visitor's block is lifted.
  const ban = agentPage.getByRole('form', { name: 'Ban an address' });
  await ban.getByRole('textbox', { name: 'IP address or range' }).fill('203.0.0.0/8');
  await ban.getByRole('textbox', { name: 'Reason' }).fill('刷单');
  await ban.getByRole('button', { name: 'Block' }).click();
  await expect(ban.getByRole('alert').filter({ hasText: 'too wide' })).toBeVisible();
  await agentPage.screenshot({ path: testInfo.outputPath('blocks-1280.png') });
  await agentPage.setViewportSize({ width: 390, height: 844 });
  await agentPage.screenshot({ path: testInfo.outputPath('blocks-390.png'), fullPage: true });
  await row.getByRole('button', { name: /^Unblock / }).click();
  await expect(agentPage.getByText('Block lifted.')).toBeVisible();
  await expect(agentPage.getByText('Nobody is blocked.')).toBeVisible();
  // The blocked chat had ended: the visitor may start a new one and write.
  await expect(dialog.getByText('Chat is not available right now.')).toBeHidden();
  await dialog.getByRole('button', { name: 'Start a new chat' }).click();
  await widget.send('谢谢');
  await widget.expectDelivered('谢谢');
});
