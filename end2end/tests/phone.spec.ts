import { expect } from '@playwright/test';

import { test } from '../fixtures/test';
import { Widget } from '../fixtures/widget';
import { Workbench, WORKBENCH_VIEWS as VIEWS } from '../fixtures/workbench';

test('at 390 × 844 no workbench view scrolls sideways, and a chat can be answered', async ({ browser, server }, testInfo) => {
  const agentPage = await (await browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true })).newPage();
  const workbench = new Workbench(agentPage);
  await workbench.signIn(server.url, server.company, server.adminLogin, server.adminPassword);
  const wide: string[] = [];
  for (const view of VIEWS) {
    await agentPage.goto(`${server.url}${view}`);
    await expect(agentPage.getByRole('status').filter({ hasText: 'Connected' })).toBeVisible();
    // Lazy pages load their code and data first.
    await agentPage.waitForLoadState('networkidle');
    const [scroll, inner] = await agentPage.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
    if (scroll > inner) wide.push(`${view}: ${scroll}px`);
    await agentPage.screenshot({ path: testInfo.outputPath(`phone${view.replaceAll('/', '-')}-390.png`), fullPage: true });
  }
  expect(wide).toEqual([]);

  // A visitor writes; the agent answers from the phone.
  const visitorPage = await (await browser.newContext()).newPage();
  await visitorPage.goto(server.demoUrl);
  const widget = new Widget(visitorPage);
  await widget.open();
  await widget.send('手机上能回复吗？');
  await agentPage.goto(`${server.url}/chats`);
  await workbench.openFirstConversation();
  await expect(workbench.log()).toContainText('手机上能回复吗？');
  // The chat alone on the screen, with a way back to the lists.
  await expect(workbench.conversations()).toBeHidden();
  await workbench.reply('可以的。');
  await expect(widget.log()).toContainText('可以的。');
  const send = agentPage.getByRole('button', { name: 'Send', exact: true });
  expect((await send.boundingBox())!.height).toBeGreaterThanOrEqual(44);
  const [scroll, inner] = await agentPage.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  expect(scroll).toBeLessThanOrEqual(inner);
  await agentPage.screenshot({ path: testInfo.outputPath('phone-chat-390.png'), fullPage: true });
  await agentPage.getByRole('button', { name: 'Back to the chat list' }).click();
  await expect(workbench.conversations()).toBeVisible();
  await expect(workbench.log()).toBeHidden();
});
