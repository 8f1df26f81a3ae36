import { expect } from '@playwright/test';

import { test } from '../fixtures/test';
import { Widget } from '../fixtures/widget';
import { Workbench } from '../fixtures/workbench';

test('an agent invites a visitor from the console, who accepts and chats; the site invites on its own and shows drafts once turned on', async ({ browser, server }, testInfo) => {
  const agentPage = await (await browser.newContext()).newPage();
  const workbench = new Workbench(agentPage);
  await workbench.signIn(server.url, server.company, server.adminLogin, server.adminPassword);
  await agentPage.getByRole('link', { name: 'Visitors' }).click();
  const console_ = workbench.visitors();

  const visitorPage = await (await browser.newContext()).newPage();
  await visitorPage.goto(server.demoUrl);
  const widget = new Widget(visitorPage);
  await expect(widget.launcher()).toBeVisible();
  const row = console_.getByRole('row').filter({ hasText: 'Acme Tea — fine loose-leaf tea' });
  await row.getByRole('button', { name: /^Invite / }).click();
  await expect(agentPage.getByText(/^Invitation sent to /)).toBeVisible();

  const invitation = visitorPage.getByRole('dialog', { name: 'Invitation to chat' });
  await expect(invitation).toContainText('Demo Admin would like to chat with you.');
  await visitorPage.screenshot({ path: testInfo.outputPath('invitation-1280.png') });
  await visitorPage.setViewportSize({ width: 390, height: 844 });
  await visitorPage.screenshot({ path: testInfo.outputPath('invitation-390.png') });
  await invitation.getByRole('button', { name: 'Chat now' }).click();
  await expect(invitation).toBeHidden();
  const chat = visitorPage.getByRole('dialog', { name: 'Chat' });
  await expect(chat.getByRole('status')).toContainText('You are now talking to Demo Admin.');
  await widget.send('我想看看乌龙茶');
  await widget.expectDelivered('我想看看乌龙茶');
  await expect(agentPage.getByText(/accepted your invitation/)).toBeVisible();
  await agentPage.getByRole('link', { name: 'Chats' }).click();
  await workbench.openFirstConversation();
  await expect(workbench.log()).toContainText('我想看看乌龙茶');
  // The visitor's details from the chat: this conversation among their conversations.
  await agentPage.getByRole('button', { name: 'Visitor details' }).click();
  const details = agentPage.getByRole('complementary', { name: 'Visitor details' });
  await expect(details.getByRole('region', { name: 'Past conversations' }).getByRole('listitem')).toHaveCount(1);
  await details.getByRole('button', { name: 'Close' }).click();
  await expect(details).toBeHidden();

  // The site's own invitation: on the invitations page, after 0 seconds on any page.
  await agentPage.getByRole('link', { name: 'Invitations' }).click();
  const form = agentPage.getByRole('form', { name: 'Invitations' });
  await form.getByRole('checkbox', { name: 'Invite visitors automatically' }).check();
  await form.getByRole('spinbutton', { name: 'After (seconds on the site)' }).fill('0');
  await form.getByRole('checkbox', { name: /Show agents what visitors type/ }).check();
  await form.getByRole('button', { name: 'Save' }).click();
  await expect(agentPage.getByText('Saved.')).toBeVisible();

  // Sneak peek: the visitor is told, and the agent sees the draft with the card number masked.
  await visitorPage.reload();
  await widget.open();
  await expect(chat.getByText('The agent can see what you type before you send it.')).toBeVisible();
  await agentPage.getByRole('link', { name: 'Chats' }).click();
  await workbench.openFirstConversation();
  await chat.getByRole('textbox', { name: 'Message' }).pressSequentially('卡号 4111 1111 1111 1111 能退吗');
  const draft = agentPage.getByLabel('Typing now');
  await expect(draft).toContainText('卡号 •••• •••• •••• 1111 能退吗');
  await agentPage.screenshot({ path: testInfo.outputPath('sneak-peek-1280.png') });
  await chat.getByRole('button', { name: 'Send' }).click();
  await expect(workbench.log()).toContainText('卡号 4111 1111 1111 1111 能退吗');
  await expect(draft).toBeHidden();
  const newcomer = await (await browser.newContext()).newPage();
  await newcomer.goto(server.demoUrl);
  const offered = newcomer.getByRole('dialog', { name: 'Invitation to chat' });
  await expect(offered).toContainText('Hello! Can we help you with anything?');
  await offered.getByRole('button', { name: 'Later' }).click();
  await expect(offered).toBeHidden();
  await newcomer.getByRole('link', { name: 'See our prices' }).click();
  await expect(new Widget(newcomer).launcher()).toBeVisible();
  await expect(newcomer.getByRole('dialog', { name: 'Invitation to chat' })).toBeHidden();
});
