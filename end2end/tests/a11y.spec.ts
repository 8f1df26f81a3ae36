import AxeBuilder from '@axe-core/playwright';
import { expect } from '@playwright/test';

import { test } from '../fixtures/test';
import { Widget } from '../fixtures/widget';
import { Workbench, WORKBENCH_VIEWS as VIEWS } from '../fixtures/workbench';

test('axe finds no serious or critical accessibility problem on any workbench view or in the widget', async ({ browser, server }) => {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  const workbench = new Workbench(page);
  await workbench.signIn(server.url, server.company, server.adminLogin, server.adminPassword);
  // A chat open, so the chat panel is checked too.
  const visitorPage = await (await browser.newContext()).newPage();
  await visitorPage.goto(server.demoUrl);
  const widget = new Widget(visitorPage);
  await widget.open();
  await widget.send('你好');
  await widget.expectDelivered('你好');

  const found: string[] = [];
  for (const view of VIEWS) {
    await page.goto(`${server.url}${view}`);
    await expect(page.getByRole('status').filter({ hasText: 'Connected' })).toBeVisible();
    await page.waitForLoadState('networkidle');
    if (view === '/chats') await workbench.openFirstConversation();
    const result = await new AxeBuilder({ page }).analyze();
    for (const v of result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')) {
      found.push(`${view}: ${v.id} (${v.impact}) ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
    }
  }
  const widgetResult = await new AxeBuilder({ page: visitorPage }).analyze();
  for (const v of widgetResult.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')) {
    found.push(`widget: ${v.id} (${v.impact}) ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
  }
  expect(found).toEqual([]);
});
