import { createHmac } from 'node:crypto';

import { expect } from '@playwright/test';

import { test } from '../fixtures/test';
import { Widget } from '../fixtures/widget';
import { Workbench } from '../fixtures/workbench';

test('the site signs its member in on two devices: the console shows one member, named, with the signed id on the card', async ({ browser, server }, testInfo) => {
  const agentPage = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  const workbench = new Workbench(agentPage);
  await workbench.signIn(server.url, server.company, server.adminLogin, server.adminPassword);

  // The site's secret, as its admin sees it; the site's server signs the user id with it.
  await agentPage.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sites' }).click();
  const site = agentPage.getByRole('article', { name: 'Demo site' });
  await site.getByText('Identity secret').click();
  const secret = (await site.locator('samp.secret').textContent())!.trim();
  expect(secret.length).toBeGreaterThanOrEqual(32);
  const hash = createHmac('sha256', secret).update('u-42').digest('hex');

  await agentPage.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Visitors' }).click();
  const console_ = workbench.visitors();
  await expect(console_.getByRole('table')).toBeVisible();

  // The laptop: the page calls kefu('identify', …) once its user is known.
  const identify = (user: object) => (window as any).kefu('identify', user);
  const laptop = await (await browser.newContext()).newPage();
  await laptop.goto(server.demoUrl);
  await expect(new Widget(laptop).launcher()).toBeVisible();
  await laptop.evaluate(identify, { id: 'u-42', name: '王先生', email: 'wang@example.cn', hash });
  const member = console_.getByRole('row').filter({ hasText: '王先生' });
  await expect(member).toHaveCount(1);
  await expect(member).toContainText('Member');

  // A wrong signature on another browser changes nothing there: still an anonymous visitor.
  const stranger = await (await browser.newContext()).newPage();
  await stranger.goto(server.demoUrl);
  await expect(new Widget(stranger).launcher()).toBeVisible();
  await stranger.evaluate(identify, { id: 'u-42', name: '冒充者', hash: '00'.repeat(32) });

  // The phone: the same member, so the same visitor (one row, on both devices' pages).
  const phone = await (await browser.newContext({ viewport: { width: 390, height: 844 } })).newPage();
  await phone.goto(server.demoUrl);
  await expect(new Widget(phone).launcher()).toBeVisible();
  await phone.evaluate(identify, { id: 'u-42', hash });
  await expect(member).toHaveCount(1);
  await expect(console_.getByRole('row').filter({ hasText: '冒充者' })).toHaveCount(0);

  // The card: the signed member id, the name and e-mail the site gave.
  await member.getByRole('button', { name: /^Details / }).click();
  const panel = agentPage.getByRole('complementary', { name: 'Visitor details' });
  await expect(panel).toContainText('Member ID (signed by the site): u-42');
  await expect(panel.getByRole('textbox', { name: 'E-mail' })).toHaveValue('wang@example.cn');
  await agentPage.screenshot({ path: testInfo.outputPath('member-card-1280.png') });
  await agentPage.setViewportSize({ width: 390, height: 844 });
  await agentPage.screenshot({ path: testInfo.outputPath('member-card-390.png') });
});
