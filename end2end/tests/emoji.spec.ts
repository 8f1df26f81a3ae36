import { expect } from '@playwright/test';

import { test } from '../fixtures/test';
import { declarePageLanguage, Widget } from '../fixtures/widget';
import { Workbench } from '../fixtures/workbench';

test('emoji pickers in the reply box and the widget: search by name in the interface language, keyboard, recent first', async ({ browser, server }, testInfo) => {
  const visitorPage = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  await declarePageLanguage(visitorPage, 'zh-CN');
  await visitorPage.goto(server.demoUrl);
  await visitorPage.getByRole('button', { name: /在线咨询/ }).click();
  const dialog = visitorPage.getByRole('dialog', { name: '在线客服' });
  const box = dialog.getByRole('textbox', { name: '消息' });
  await box.fill('好的');
  // The list comes when the picker first opens; the search finds 谢谢 by its Chinese name.
  await dialog.getByRole('button', { name: '表情' }).click();
  await dialog.getByRole('searchbox', { name: '搜索表情' }).fill('谢谢');
  const grid = dialog.getByRole('group', { name: '表情' });
  await expect(grid.getByRole('button')).toHaveCount(1);
  await visitorPage.screenshot({ path: testInfo.outputPath('widget-emoji.png') });
  await grid.getByRole('button', { name: '谢谢 拜托' }).click();
  await expect(box).toHaveValue('好的🙏');
  await expect(grid).toBeHidden();
  // Opened again: the one just used comes first; Esc closes it.
  await dialog.getByRole('button', { name: '表情' }).click();
  await expect(grid.getByRole('button').first()).toHaveText('🙏');
  await visitorPage.keyboard.press('Escape');
  await expect(grid).toBeHidden();
  await dialog.getByRole('button', { name: '发送', exact: true }).click();

  const agentPage = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  const workbench = new Workbench(agentPage);
  await workbench.signIn(server.url, server.company, server.adminLogin, server.adminPassword);
  await workbench.openFirstConversation();
  await expect(workbench.log()).toContainText('好的🙏');
  const reply = agentPage.getByRole('textbox', { name: 'Message' });
  await reply.fill('收到');
  await agentPage.getByRole('button', { name: 'Emoji' }).click();
  const search = agentPage.getByRole('searchbox', { name: 'Search emoji' });
  await search.fill('coffee');
  // From the search, Tab goes into the list; Enter puts the emoji in at the cursor.
  await search.press('Tab');
  await agentPage.keyboard.press('Enter');
  await expect(reply).toHaveValue('收到☕');
  await expect(reply).toBeFocused();
  await agentPage.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(dialog.getByRole('log')).toContainText('收到☕');
  await agentPage.getByRole('button', { name: 'Emoji' }).click();
  await agentPage.screenshot({ path: testInfo.outputPath('workbench-emoji-1280.png') });
  await agentPage.setViewportSize({ width: 390, height: 844 });
  await agentPage.screenshot({ path: testInfo.outputPath('workbench-emoji-390.png') });
});
