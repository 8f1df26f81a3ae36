import { expect } from '@playwright/test';

import { test } from '../fixtures/test';
import { declarePageLanguage } from '../fixtures/widget';
import { Workbench } from '../fixtures/workbench';

test('an agent withdraws a message sent by mistake and the visitor sees it was withdrawn, in their language', async ({ browser, server }, testInfo) => {
  const agentPage = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  const workbench = new Workbench(agentPage);
  await workbench.signIn(server.url, server.company, server.adminLogin, server.adminPassword);
  // A page in Chinese: the widget's texts come beside it.
  const visitorPage = await (await browser.newContext()).newPage();
  await declarePageLanguage(visitorPage, 'zh-CN');
  await visitorPage.goto(server.demoUrl);
  await visitorPage.getByRole('button', { name: /在线咨询/ }).click();
  const dialog = visitorPage.getByRole('dialog', { name: '在线客服' });
  await dialog.getByRole('textbox', { name: '消息' }).fill('我的订单号是多少？');
  await dialog.getByRole('button', { name: '发送', exact: true }).click();

  await workbench.openFirstConversation();
  await workbench.reply('您的订单号是 2026-0001（发错了）');
  await expect(dialog.getByRole('log')).toContainText('您的订单号是 2026-0001');
  const mine = workbench.log().getByRole('listitem').filter({ hasText: '发错了' });
  await mine.getByRole('button', { name: 'Withdraw' }).click();
  await expect(mine).toContainText('Withdrawn');
  await expect(mine.getByRole('button', { name: 'Withdraw' })).toHaveCount(0);
  await expect(dialog.getByRole('log')).toContainText('消息已撤回');
  await expect(dialog.getByRole('log')).not.toContainText('2026-0001');
  // A reload brings the history back without the withdrawn text.
  await visitorPage.reload();
  await visitorPage.getByRole('button', { name: /在线咨询/ }).click();
  await expect(dialog.getByRole('log')).toContainText('消息已撤回');
  await expect(dialog.getByRole('log')).not.toContainText('2026-0001');
  await agentPage.screenshot({ path: testInfo.outputPath('withdrawn-agent-1280.png') });
  await visitorPage.screenshot({ path: testInfo.outputPath('withdrawn-widget.png') });
});
