import { expect, Page } from '@playwright/test';

import { test } from '../fixtures/test';
import { declarePageLanguage, Widget } from '../fixtures/widget';
import { Workbench } from '../fixtures/workbench';

test('the demo page embeds the widget with one script tag from another origin', async ({ page, server }) => {
  const response = await page.goto(server.demoUrl);
  const source = await response!.text();
  expect(source).toMatch(new RegExp(`<script src="${server.url}/widget/loader.js" data-site-key="site_[0-9a-f]+" async></script>`));
  await expect(new Widget(page).launcher()).toBeVisible();
  // The widget lives in a shadow root: the page's own styles and DOM queries do not reach it.
  expect(await page.evaluate(() => document.querySelectorAll('textarea').length)).toBe(0);
});

test('a visitor and an agent chat live, and text is shown as text', async ({ browser, server }) => {
  const visitorContext = await browser.newContext();
  const agentContext = await browser.newContext();
  const visitorPage = await visitorContext.newPage();
  const agentPage = await agentContext.newPage();
  const dialogs: string[] = [];
  const errors: string[] = [];
  for (const p of [visitorPage, agentPage]) {
    p.on('dialog', (d) => { dialogs.push(d.message()); void d.dismiss(); });
    // Hydration mismatches and panics surface as console errors.
    p.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    p.on('pageerror', (e) => errors.push(e.message));
  }

  const workbench = new Workbench(agentPage);
  await workbench.signIn(server.url, server.company, server.adminLogin, server.adminPassword);

  await visitorPage.goto(server.demoUrl);
  const widget = new Widget(visitorPage);
  // The agent sees the visitor arrive, with the page they are on.
  await expect(workbench.visitors().getByText('Acme Tea — fine loose-leaf tea')).toBeVisible();

  await widget.open();
  await widget.send('Hello! Do you ship to Berlin?');
  await widget.expectDelivered('Hello! Do you ship to Berlin?');

  await expect(workbench.conversations().getByRole('button')).toHaveCount(1);
  await expect(workbench.conversations().getByLabel('1 unread')).toBeVisible();
  await workbench.openFirstConversation();
  await expect(workbench.log()).toContainText('Hello! Do you ship to Berlin?');
  await expect(workbench.conversations().getByLabel('1 unread')).toHaveCount(0);

  await workbench.reply('Yes, in 3-5 days.');
  await expect(widget.log()).toContainText('Yes, in 3-5 days.');

  const hostile = '<img src=x onerror=alert(1)>';
  await widget.send(hostile);
  await expect(workbench.log().getByText(hostile, { exact: true })).toBeVisible();
  await expect(widget.log().getByText(hostile, { exact: true })).toBeVisible();
  expect(await workbench.log().locator('img').count()).toBe(0);
  // Web links become links on both sides (a new tab, no opener); anything else, javascript: too, stays text.
  await workbench.reply('运费见 https://shop.example/运费?from=客服。或 javascript:alert(1)');
  for (const log of [widget.log(), workbench.log()]) {
    const link = log.getByRole('link', { name: 'https://shop.example/运费?from=客服' });
    await expect(link).toHaveAttribute('target', '_blank');
    await expect(link).toHaveAttribute('rel', 'noopener noreferrer');
    await expect(log.getByRole('link')).toHaveCount(1);
    await expect(log).toContainText('。或 javascript:alert(1)');
  }
  expect(dialogs).toEqual([]);
  expect(errors).toEqual([]);

  // Typing shows on the other side.
  await visitorPage.getByRole('dialog', { name: 'Chat' }).getByRole('textbox', { name: 'Message' }).pressSequentially('still th');
  await expect(agentPage.getByText('Visitor is typing…')).toBeVisible();

  await visitorContext.close();
  await agentContext.close();
});

test('a returning visitor sees the history after a reload', async ({ page, server }) => {
  // The visitor token never travels in a URL (proxies and logs keep URLs).
  const socketUrls: string[] = [];
  page.on('websocket', (ws) => socketUrls.push(ws.url()));
  await page.goto(server.demoUrl);
  const widget = new Widget(page);
  await widget.open();
  await widget.send('Remember me?');
  await widget.expectDelivered('Remember me?');

  await page.reload();
  await widget.open();
  await widget.expectDelivered('Remember me?');
  expect(socketUrls.length).toBeGreaterThanOrEqual(2);
  for (const url of socketUrls) expect(url).not.toContain('token');
});

test('nothing is lost or duplicated when the server is killed between two messages', async ({ browser, server }) => {
  const agentPage = await (await browser.newContext()).newPage();
  const visitorPage = await (await browser.newContext()).newPage();
  const workbench = new Workbench(agentPage);
  await workbench.signIn(server.url, server.company, server.adminLogin, server.adminPassword);
  await visitorPage.goto(server.demoUrl);
  const widget = new Widget(visitorPage);
  await widget.open();
  await widget.send('before the crash');
  await widget.expectDelivered('before the crash');

  await server.kill();
  await expect(agentPage.getByRole('status')).toHaveText('Connection lost, reconnecting…');
  // Typed while the server is down: kept in the outbox, shown as sending.
  await widget.send('during the outage');
  await expect(widget.log().getByRole('listitem').filter({ hasText: 'during the outage' })).toContainText('Sending');

  await server.start();
  await widget.expectDelivered('during the outage');
  await expect(agentPage.getByRole('status')).toHaveText('Connected');

  await workbench.openFirstConversation();
  for (const text of ['before the crash', 'during the outage']) {
    await expect(workbench.log().getByRole('listitem').filter({ hasText: text })).toHaveCount(1);
    await expect(widget.log().getByRole('listitem').filter({ hasText: text })).toHaveCount(1);
  }
  await workbench.reply('after the restart');
  await expect(widget.log().getByRole('listitem').filter({ hasText: 'after the restart' })).toHaveCount(1);
});

test('the workbench speaks the browser language and the widget the language of the page', async ({ browser, server }) => {
  const errors: string[] = [];
  // An agent whose browser asks for Japanese.
  const agentContext = await browser.newContext({ locale: 'ja-JP' });
  const agentPage = await agentContext.newPage();
  // A customer site written in Korean (<html lang="ko">).
  const visitorContext = await browser.newContext();
  const visitorPage = await visitorContext.newPage();
  await declarePageLanguage(visitorPage, 'ko');
  for (const p of [visitorPage, agentPage]) {
    p.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    p.on('pageerror', (e) => errors.push(e.message));
  }

  await agentPage.goto(`${server.url}/login`);
  await expect(agentPage.getByRole('heading', { name: 'kefu にログイン' })).toBeVisible();
  await agentPage.getByLabel('企業ID').fill(server.company);
  await agentPage.getByLabel('ログインID').fill(server.adminLogin);
  await agentPage.getByLabel('パスワード').fill('not the password');
  await agentPage.getByRole('button', { name: 'ログイン' }).click();
  await expect(agentPage.getByRole('alert')).toHaveText('企業ID、ログインIDまたはパスワードが違います。');
  await agentPage.getByLabel('パスワード').fill(server.adminPassword);
  await agentPage.getByRole('button', { name: 'ログイン' }).click();
  await expect(agentPage.getByRole('status')).toHaveText('接続済み');

  await visitorPage.goto(server.demoUrl);
  await visitorPage.getByRole('button', { name: /채팅 상담/ }).click();
  const dialog = visitorPage.getByRole('dialog', { name: '채팅' });
  await expect(dialog.getByText('안녕하세요! 무엇을 도와드릴까요?')).toBeVisible();
  await dialog.getByRole('textbox', { name: '메시지' }).fill('배송은 얼마나 걸리나요?');
  await dialog.getByRole('button', { name: '보내기' }).click();
  const sent = dialog.getByRole('log', { name: '대화 내용' }).getByRole('listitem').filter({ hasText: '배송은 얼마나 걸리나요?' });
  await expect(sent).toHaveCount(1);
  await expect(sent).not.toContainText('보내는 중');

  const conversations = agentPage.getByRole('navigation', { name: '会話' });
  await expect(conversations.getByLabel('1 件の未読')).toBeVisible();
  await conversations.getByRole('button').first().click();
  await expect(agentPage.getByRole('log', { name: 'メッセージ履歴' })).toContainText('배송은 얼마나 걸리나요?');
  // The refused sign-in is an HTTP 401, which Chromium logs as an error; anything else is a fault.
  expect(errors.filter((e) => !e.includes('status of 401'))).toEqual([]);

  await visitorContext.close();
  await agentContext.close();
});

test('the workbench has a page per area, and an agent can end a chat', async ({ browser, server }, testInfo) => {
  const errors: string[] = [];
  const agentPage = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  const visitorPage = await (await browser.newContext()).newPage();
  for (const p of [visitorPage, agentPage]) {
    p.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    p.on('pageerror', (e) => errors.push(e.message));
  }
  const workbench = new Workbench(agentPage);
  await workbench.signIn(server.url, server.company, server.adminLogin, server.adminPassword);
  const nav = agentPage.getByRole('navigation', { name: 'Main' });
  // The admin's role grants every area.
  for (const name of ['Chats', 'Visitors', 'Sites']) {
    await expect(nav.getByRole('link', { name })).toBeVisible();
  }

  await visitorPage.goto(server.demoUrl);
  const widget = new Widget(visitorPage);
  await widget.open();
  await widget.send('Can I change my order?');
  await widget.expectDelivered('Can I change my order?');
  await workbench.openFirstConversation();
  await expect(workbench.log()).toContainText('Can I change my order?');
  await agentPage.screenshot({ path: testInfo.outputPath('chats-1280.png'), fullPage: true });

  // Moving between pages keeps the socket (no reconnect) and the conversation.
  await nav.getByRole('link', { name: 'Sites' }).click();
  await expect(agentPage).toHaveURL(/\/admin\/sites$/);
  await expect(agentPage.getByRole('region', { name: 'Your sites' }).locator('code')).toContainText('data-site-key="site_');
  await nav.getByRole('link', { name: 'Visitors' }).click();
  await expect(agentPage).toHaveURL(/\/visitors$/);
  await expect(workbench.visitors().getByText('Acme Tea — fine loose-leaf tea')).toBeVisible();
  await nav.getByRole('link', { name: 'Chats' }).click();
  await expect(agentPage.getByRole('status')).toHaveText('Connected');
  await expect(workbench.conversations().getByRole('button')).toHaveCount(1);

  // A page opened directly is rendered by the server too.
  await agentPage.goto(`${server.url}/admin/sites`);
  await expect(agentPage.getByRole('region', { name: 'Your sites' }).locator('code')).toContainText('data-site-key="site_');
  await agentPage.setViewportSize({ width: 390, height: 844 });
  await agentPage.screenshot({ path: testInfo.outputPath('sites-390.png'), fullPage: true });
  await agentPage.goto(`${server.url}/chats`);
  await workbench.openFirstConversation();
  await agentPage.screenshot({ path: testInfo.outputPath('chats-390.png'), fullPage: true });

  // Ending the chat removes it from the open conversations; the visitor's next message opens a new one.
  await agentPage.getByRole('button', { name: 'End chat' }).click();
  await expect(workbench.conversations().getByRole('button')).toHaveCount(0);
  // The visitor sees the end screen, and starts again from it.
  const dialog = visitorPage.getByRole('dialog', { name: 'Chat' });
  await expect(dialog.getByText('Thank you for chatting with us.')).toBeVisible();
  await dialog.getByRole('button', { name: 'Start a new chat' }).click();
  await widget.send('One more question');
  await widget.expectDelivered('One more question');
  await expect(workbench.conversations().getByRole('button')).toHaveCount(1);
  await workbench.openFirstConversation();
  await expect(workbench.log()).toContainText('One more question');
  await expect(workbench.log()).not.toContainText('Can I change my order?');
  expect(errors).toEqual([]);
});

test('strangers opening any workbench page are sent to sign in', async ({ page, server }) => {
  for (const path of ['/chats', '/visitors', '/admin/sites']) {
    await page.goto(`${server.url}${path}`);
    await expect(page).toHaveURL(/\/login$/);
  }
});

test('the widget explains a refused message in the language of the page, by its error code', async ({ page, server }) => {
  // A customer site written in Chinese (<html lang="zh-CN">).
  await declarePageLanguage(page, 'zh-CN');
  await page.goto(server.demoUrl);
  await page.getByRole('button', { name: /在线咨询/ }).click();
  const dialog = page.getByRole('dialog', { name: '在线客服' });
  const box = dialog.getByRole('textbox', { name: '消息' });
  // A control character (a pasted terminal bell) is refused with the code `control_chars`.
  await box.fill('我想申请退款\u0007');
  await dialog.getByRole('button', { name: '发送' }).click();
  await expect(dialog.getByRole('alert')).toHaveText('消息包含无法发送的字符。');
  await expect(box).toHaveValue('我想申请退款\u0007');
  await expect(dialog.getByRole('log', { name: '消息记录' }).getByRole('listitem').filter({ hasText: '我想申请退款' })).toHaveCount(0);
  await page.screenshot({ path: test.info().outputPath('widget-error-zh.png') });

  await box.fill('我想申请退款');
  await dialog.getByRole('button', { name: '发送' }).click();
  await expect(dialog.getByRole('alert')).toBeHidden();
  const sent = dialog.getByRole('log', { name: '消息记录' }).getByRole('listitem').filter({ hasText: '我想申请退款' });
  await expect(sent).toHaveCount(1);
  await expect(sent).not.toContainText('发送中');
});

/** Records the page's Content-Security-Policy violations (in `window.__cspViolations`). */
async function recordCspViolations(page: Page) {
  await page.addInitScript(() => {
    (window as any).__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      (window as any).__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
}

test('the widget looks and works the same on a host page with a strict policy', async ({ page, server }, testInfo) => {
  await recordCspViolations(page);
  const response = await page.goto(`${server.demoUrl}/strict`);
  expect(response!.headers()['content-security-policy']).toContain("style-src 'self'");
  const widget = new Widget(page);
  // Styled: the launcher floats at the bottom right, in the theme colour, not as a bare button.
  await expect(widget.launcher()).toHaveCSS('position', 'fixed');
  await widget.open();
  await widget.send('严格的页面也能聊天');
  await widget.expectDelivered('严格的页面也能聊天');
  expect(await page.evaluate(() => (window as any).__cspViolations)).toEqual([]);
  await page.screenshot({ path: testInfo.outputPath('strict-host-1280.png') });
});

test('the workbench runs under its own strict policy without violations', async ({ page, server }, testInfo) => {
  await recordCspViolations(page);
  const response = await page.goto(`${server.url}/login`);
  expect(response!.headers()['content-security-policy']).toMatch(/script-src 'self' 'nonce-[^']+' 'wasm-unsafe-eval'/);
  await expect(page.getByRole('checkbox', { name: 'Keep me signed in' })).not.toBeChecked();
  // Signing in needs hydration (the form's handler) and the socket: both ran under the policy.
  await new Workbench(page).signIn(server.url, server.company, server.adminLogin, server.adminPassword);
  expect(await page.evaluate(() => (window as any).__cspViolations)).toEqual([]);

  // The lists are searched on the server: a visitor is found by a word of their page's title.
  const visitorPage = await page.context().newPage();
  await visitorPage.goto(`${server.demoUrl}/pricing`);
  await expect(new Widget(visitorPage).launcher()).toBeVisible();
  const visitors = new Workbench(page).visitors();
  await expect(visitors.getByRole('listitem')).toHaveCount(1);
  await visitors.getByRole('searchbox', { name: 'Search visitors' }).fill('Pricing');
  await expect(visitors.getByRole('listitem')).toHaveCount(1);
  await visitors.getByRole('searchbox', { name: 'Search visitors' }).fill('no such page');
  await expect(visitors.getByRole('listitem')).toHaveCount(0);
  await expect(visitors.getByText('Nothing matches your search.')).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('workbench-search-1280.png') });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: testInfo.outputPath('workbench-search-390.png') });
});
