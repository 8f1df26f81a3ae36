import { expect } from '@playwright/test';

import { KefuServer } from '../fixtures/server';
import { test } from '../fixtures/test';
import { Widget } from '../fixtures/widget';
import { addBob, Workbench } from '../fixtures/workbench';

test('an away agent leaves the visitor waiting in the queue with a place shown, then takes the chat', async ({ browser, server }, testInfo) => {
  const errors: string[] = [];
  const agentPage = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  const visitorPage = await (await browser.newContext()).newPage();
  for (const p of [visitorPage, agentPage]) {
    p.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    p.on('pageerror', (e) => errors.push(e.message));
  }
  const workbench = new Workbench(agentPage);
  await workbench.signIn(server.url, server.company, server.adminLogin, server.adminPassword);
  const status = agentPage.getByLabel('My status');
  await expect(status).toHaveValue('online');
  // A category the demo site shows, answered by the admin.
  const me = await (await agentPage.request.post(`${server.url}/api/me`, { form: {} })).json();
  const sites = await (await agentPage.request.post(`${server.url}/api/sites`, { form: {} })).json();
  const category = await agentPage.request.post(`${server.url}/api/categories/save`, {
    data: { form: { id: null, version: 0, name: '售后服务', switchboard_id: null, agent_ids: [me.id], site_ids: [sites[0].id] } },
  });
  expect(category.ok()).toBeTruthy();

  // Away: visitors are told nobody is there, and a new chat waits in the queue.
  await status.selectOption('away');
  await visitorPage.goto(server.demoUrl);
  const widget = new Widget(visitorPage);
  await widget.open();
  const dialog = visitorPage.getByRole('dialog', { name: 'Chat' });
  await expect(dialog.getByText('Nobody is online right now')).toBeVisible();
  // The site shows its categories: a topic is chosen first.
  await widget.send('我想申请退款');
  await expect(dialog.getByRole('alert')).toHaveText('Please choose a topic first.');
  await dialog.getByLabel('Topic').selectOption({ label: '售后服务' });
  await widget.send('我想申请退款');
  await widget.expectDelivered('我想申请退款');
  await expect(dialog.getByRole('status').filter({ hasText: 'in the queue' })).toHaveText('You are number 1 in the queue.');

  // The agent sees the visitor in the queue with how long they have waited, and takes the chat.
  const queue = workbench.conversations().getByRole('region', { name: /Queue/ });
  await expect(queue.getByRole('button', { name: /^Take / })).toHaveCount(1);
  await expect(queue).toContainText('waiting');
  await agentPage.screenshot({ path: testInfo.outputPath('queue-1280.png'), fullPage: true });
  // The shortcuts are listed on "?"; Alt+A takes the longest-waiting visitor.
  // Out of the status menu first: in a text field or a select, "?" is a character.
  await agentPage.getByRole('heading', { name: 'Queue' }).click();
  await agentPage.keyboard.press('?');
  const help = agentPage.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await expect(help).toContainText('Accept the oldest transfer, or take the longest-waiting visitor');
  await agentPage.keyboard.press('Escape');
  await expect(help).toHaveCount(0);
  await agentPage.keyboard.press('Alt+a');
  await expect(dialog.getByRole('status').filter({ hasText: 'talking to' })).toHaveText(/You are now talking to .+\./);
  await expect(queue.getByRole('button', { name: /^Take / })).toHaveCount(0);
  const mine = workbench.conversations().getByRole('region', { name: 'My chats' });
  await expect(mine.getByRole('button')).toHaveCount(1);
  await expect(workbench.log()).toContainText('我想申请退款');
  await workbench.reply('您好，我来帮您处理。');
  await expect(widget.log()).toContainText('您好，我来帮您处理。');
  // My chats shows each chat's newest message.
  await expect(mine.getByRole('button')).toContainText('您好，我来帮您处理。');

  // Online again: visitors see someone is there.
  await status.selectOption('online');
  await expect(dialog.getByText('We are online')).toBeVisible();
  // What colleagues see of the agent: online again, with their load.
  await expect(agentPage.getByText(/^Online · \d+ of \d+ chats$/)).toBeVisible();
  await agentPage.setViewportSize({ width: 390, height: 844 });
  await agentPage.screenshot({ path: testInfo.outputPath('chats-status-390.png'), fullPage: true });
  await visitorPage.screenshot({ path: testInfo.outputPath('widget-assigned.png') });
  expect(errors).toEqual([]);
});

test('a chat is transferred to a colleague who accepts, then the visitor ends it, rates it and keeps the transcript', async ({ browser, server }, testInfo) => {
  const errors: string[] = [];
  const adminPage = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  const bobPage = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  const visitorPage = await (await browser.newContext({ acceptDownloads: true })).newPage();
  for (const p of [adminPage, bobPage, visitorPage]) {
    p.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    p.on('pageerror', (e) => errors.push(e.message));
  }
  const admin = new Workbench(adminPage);
  await admin.signIn(server.url, server.company, server.adminLogin, server.adminPassword);
  // A colleague, made the way the agents page makes one.
  await addBob(adminPage, server);
  const bob = new Workbench(bobPage);
  await bob.signIn(server.url, server.company, 'bob', 'bob-pass-1');

  await visitorPage.goto(server.demoUrl);
  const widget = new Widget(visitorPage);
  await widget.open();
  const dialog = visitorPage.getByRole('dialog', { name: 'Chat' });
  await widget.send('我想申请退款');
  await expect(dialog.getByText('You are now talking to Demo Admin.')).toBeVisible();

  // The admin hands the chat to Bob with a note.
  await admin.conversations().getByRole('region', { name: 'My chats' }).getByRole('button').first().click();
  // Alt+T opens the transfer form with its list focused.
  await adminPage.keyboard.press('Alt+t');
  const form = adminPage.getByRole('form', { name: 'Transfer' });
  await expect(form.getByLabel('Transfer to')).toBeFocused();
  await form.getByLabel('Transfer to').selectOption({ label: 'Bob (Online · 0 of 5 chats)' });
  await form.getByLabel('Note for your colleague').fill('老客户，请优先处理');
  await form.getByRole('button', { name: 'Send transfer' }).click();

  // Bob sees the offer and the note, accepts, and reads the whole history.
  const offers = bob.conversations().getByRole('region', { name: 'Transfers for you' });
  await expect(offers).toContainText('Demo Admin offers you Visitor #1');
  await expect(offers).toContainText('老客户，请优先处理');
  await bobPage.screenshot({ path: testInfo.outputPath('transfer-offer-1280.png'), fullPage: true });
  await offers.getByRole('button', { name: 'Accept Visitor #1' }).click();
  await expect(bob.log()).toContainText('我想申请退款');
  await expect(dialog.getByText('You are now talking to Bob.')).toBeVisible();
  await expect(adminPage.getByRole('log', { name: 'Notifications' })).toContainText('Bob accepted Visitor #1.');
  await bob.reply('您好，我是 Bob，马上为您处理。');
  await expect(widget.log()).toContainText('您好，我是 Bob，马上为您处理。');

  // The visitor ends the chat (after confirming) and rates it 2 stars: a comment is required.
  await dialog.getByRole('button', { name: 'End chat' }).click();
  await dialog.getByRole('group', { name: 'End chat' }).getByRole('button', { name: 'End chat' }).click();
  await expect(dialog.getByText('Thank you for chatting with us.')).toBeVisible();
  const rating = dialog.getByRole('form', { name: 'Rate this chat' });
  await rating.getByRole('radio', { name: '★★ Dissatisfied' }).check();
  await rating.getByRole('button', { name: 'Send rating' }).click();
  await expect(rating.getByRole('alert')).toHaveText('Please tell us what went wrong.');
  await rating.getByLabel('Comment').fill('等太久了');
  await rating.getByRole('button', { name: 'Send rating' }).click();
  await expect(dialog.getByText('Thank you for your rating.')).toBeVisible();
  await expect(bobPage.getByRole('log', { name: 'Notifications' })).toContainText('Visitor #1 rated the chat 2/5: 等太久了');

  // The transcript: one self-contained file with every message as text and no script.
  const [download] = await Promise.all([
    visitorPage.waitForEvent('download'),
    dialog.getByRole('button', { name: 'Download transcript' }).click(),
  ]);
  const file = await download.path();
  const html = require('fs').readFileSync(file, 'utf8');
  expect(html).toContain('我想申请退款');
  expect(html).toContain('您好，我是 Bob，马上为您处理。');
  expect(html).toContain('Bob');
  expect(html).not.toContain('<script');
  await visitorPage.screenshot({ path: testInfo.outputPath('widget-ended.png') });
  await bobPage.setViewportSize({ width: 390, height: 844 });
  await bobPage.screenshot({ path: testInfo.outputPath('rated-390.png'), fullPage: true });

  // A new chat starts clean.
  await dialog.getByRole('button', { name: 'Start a new chat' }).click();
  await expect(widget.log()).not.toContainText('我想申请退款');

  // The admin finds the rating and marks it invalid, with a reason: it leaves the average.
  await adminPage.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Ratings' }).click();
  const ratings = adminPage.getByRole('region', { name: 'Ratings' });
  const row = ratings.getByRole('row').filter({ hasText: '等太久了' });
  await expect(row).toContainText('Bob');
  await expect(ratings).toContainText('Average of the valid ratings: 2.00');
  await row.getByRole('button', { name: 'Mark invalid Visitor #1' }).click();
  await row.getByLabel('Reason').fill('测试数据');
  await row.getByRole('button', { name: 'Mark invalid' }).click();
  await expect(row).toContainText('Invalid: 测试数据');
  await expect(ratings).not.toContainText('Average of the valid ratings');
  await adminPage.screenshot({ path: testInfo.outputPath('ratings-1280.png'), fullPage: true });

  // The routing page: round robin, and the lowest levels need a comment.
  await adminPage.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Routing' }).click();
  const routing = adminPage.getByRole('form', { name: 'Routing' });
  await routing.getByLabel('Distribution').selectOption('round_robin');
  await routing.getByLabel('Queue limit').fill('20');
  await routing.getByLabel('Label 3 (简体中文)').fill('一般般');
  await routing.getByRole('button', { name: 'Save' }).click();
  await expect(adminPage.getByRole('region', { name: 'Routing' }).getByText('Saved.')).toBeVisible();
  await adminPage.reload();
  await expect(adminPage.getByRole('form', { name: 'Routing' }).getByLabel('Distribution')).toHaveValue('round_robin');
  await expect(adminPage.getByRole('form', { name: 'Routing' }).getByLabel('Label 3 (简体中文)')).toHaveValue('一般般');
  await adminPage.screenshot({ path: testInfo.outputPath('routing-1280.png'), fullPage: true });
  await adminPage.setViewportSize({ width: 390, height: 844 });
  await adminPage.screenshot({ path: testInfo.outputPath('routing-390.png'), fullPage: true });
  expect(errors).toEqual([]);
});

test('in approval mode the agent reads the visitor\'s question and page before accepting the chat', async ({ browser, server }, testInfo) => {
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
  await nav.getByRole('link', { name: 'Routing' }).click();
  const routing = agentPage.getByRole('form', { name: 'Routing' });
  await routing.getByLabel(/^Approval mode/).check();
  await routing.getByLabel(/^Seconds to answer/).fill('120');
  await routing.getByRole('button', { name: 'Save' }).click();
  await expect(agentPage.getByRole('region', { name: 'Routing' }).getByText('Saved.')).toBeVisible();
  await nav.getByRole('link', { name: 'Chats' }).click();

  await visitorPage.goto(server.demoUrl);
  const widget = new Widget(visitorPage);
  await widget.open();
  await widget.send('发票怎么开？');
  await widget.expectDelivered('发票怎么开？');
  const dialog = visitorPage.getByRole('dialog', { name: 'Chat' });
  await expect(dialog.getByRole('status').filter({ hasText: 'in the queue' })).toHaveText('You are number 1 in the queue.');

  // The request shows what the visitor asked, where they are, and the time left to answer.
  const requests = workbench.conversations().getByRole('region', { name: 'New chat requests' });
  await expect(requests).toContainText('发票怎么开？');
  await expect(requests).toContainText('On: ');
  await expect(requests.getByText(/^\d+ s left to answer$/)).toBeVisible();
  await agentPage.screenshot({ path: testInfo.outputPath('chat-request-1280.png'), fullPage: true });
  await agentPage.setViewportSize({ width: 390, height: 844 });
  await agentPage.screenshot({ path: testInfo.outputPath('chat-request-390.png'), fullPage: true });
  await requests.getByRole('button', { name: /^Accept / }).click();
  await expect(requests).toHaveCount(0);
  await expect(dialog.getByRole('status').filter({ hasText: 'talking to' })).toHaveText(/You are now talking to .+\./);
  await expect(workbench.log()).toContainText('发票怎么开？');
  expect(errors).toEqual([]);
});

test('the direct chat page opens the chat full-window and ?agent= reaches that agent', async ({ browser, server }, testInfo) => {
  const errors: string[] = [];
  const adminPage = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  const bobPage = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  const visitorPage = await (await browser.newContext({ viewport: { width: 390, height: 844 } })).newPage();
  for (const p of [adminPage, bobPage, visitorPage]) {
    p.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    p.on('pageerror', (e) => errors.push(e.message));
  }
  const admin = new Workbench(adminPage);
  await admin.signIn(server.url, server.company, server.adminLogin, server.adminPassword);
  const sites = await addBob(adminPage, server);
  const bob = new Workbench(bobPage);
  await bob.signIn(server.url, server.company, 'bob', 'bob-pass-1');

  // By the site's rules the admin would get the chat (both free, the admin first); the link asks for Bob.
  await visitorPage.goto(`${server.url}/chat/${sites[0].key}?agent=bob`);
  const dialog = visitorPage.getByRole('dialog', { name: 'Chat' });
  await expect(dialog).toBeVisible();
  await expect(visitorPage.getByRole('button', { name: /Chat with us/ })).toBeHidden();
  await expect(dialog.getByRole('button', { name: 'Close chat' })).toBeHidden();
  await dialog.getByRole('textbox', { name: 'Message' }).fill('从邮件里的链接来的');
  await dialog.getByRole('button', { name: 'Send' }).click();
  await expect(dialog.getByRole('status').filter({ hasText: 'talking to' })).toHaveText('You are now talking to Bob.');
  const mine = bob.conversations().getByRole('region', { name: 'My chats' });
  await expect(mine.getByRole('button')).toContainText('从邮件里的链接来的');
  await visitorPage.screenshot({ path: testInfo.outputPath('direct-chat-390.png') });
  await visitorPage.setViewportSize({ width: 1280, height: 800 });
  await visitorPage.screenshot({ path: testInfo.outputPath('direct-chat-1280.png') });
  expect(errors).toEqual([]);
});
