import { expect } from '@playwright/test';

import { test } from '../fixtures/test';
import { addBob, Workbench } from '../fixtures/workbench';

test('a supervisor watches a chat, whispers to its agent without the visitor seeing it, and takes it over', async ({ browser, server }, testInfo) => {
  const errors: string[] = [];
  const adminPage = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  // Bob is on his phone.
  const bobPage = await (await browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true })).newPage();
  const visitorPage = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  for (const p of [adminPage, bobPage, visitorPage]) {
    p.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    p.on('pageerror', (e) => errors.push(e.message));
  }
  // Everything the visitor's browser receives on its sockets.
  const visitorTraffic: string[] = [];
  visitorPage.on('websocket', (ws) => ws.on('framereceived', (f) => visitorTraffic.push(String(f.payload))));

  const admin = new Workbench(adminPage);
  await admin.signIn(server.url, server.company, server.adminLogin, server.adminPassword);
  const sites = await addBob(adminPage, server);
  const bob = new Workbench(bobPage);
  await bob.signIn(server.url, server.company, 'bob', 'bob-pass-1');

  // The visitor asks for Bob by link.
  await visitorPage.goto(`${server.url}/chat/${sites[0].key}?agent=bob`);
  const dialog = visitorPage.getByRole('dialog', { name: 'Chat' });
  await dialog.getByRole('textbox', { name: 'Message' }).fill('我想申请退款，订单 123');
  await dialog.getByRole('button', { name: 'Send' }).click();
  await expect(dialog.getByRole('status').filter({ hasText: 'talking to' })).toHaveText('You are now talking to Bob.');

  // The admin finds it among colleagues' chats and watches it: what they send is a whisper.
  const watched = admin.conversations().getByRole('region', { name: "Colleagues' chats" }).getByRole('button');
  await expect(watched).toContainText('我想申请退款');
  await watched.click();
  await expect(admin.log()).toContainText('我想申请退款，订单 123');
  await expect(adminPage.getByText('You are watching this chat: what you send is a whisper to its agent.')).toBeVisible();
  await adminPage.getByRole('textbox', { name: 'Message' }).fill('先核实订单号，再走退款流程');
  await adminPage.getByRole('button', { name: 'Send', exact: true }).click();
  const whisper = admin.log().getByRole('listitem').filter({ hasText: '先核实订单号' });
  await expect(whisper).toContainText('Whisper');
  await expect(whisper).toContainText('Demo Admin');

  // Bob sees the whisper in his chat, marked as one, and answers it the same way.
  await bob.conversations().getByRole('region', { name: 'My chats' }).getByRole('button').click();
  const heard = bob.log().getByRole('listitem').filter({ hasText: '先核实订单号，再走退款流程' });
  await expect(heard).toContainText('Whisper');
  await bobPage.getByLabel('Whisper (only agents see it)').check();
  await bobPage.getByRole('textbox', { name: 'Message' }).fill('好的，正在查订单');
  await bobPage.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(admin.log().getByRole('listitem').filter({ hasText: '好的，正在查订单' })).toContainText('Whisper');
  await bobPage.screenshot({ path: testInfo.outputPath('whisper-390.png'), fullPage: true });
  await adminPage.screenshot({ path: testInfo.outputPath('whisper-1280.png'), fullPage: true });

  // The admin takes the chat over: the visitor hears who they talk to now, Bob is told.
  await adminPage.getByRole('button', { name: 'Take over' }).click();
  await expect(dialog.getByRole('status').filter({ hasText: 'talking to' })).toHaveText('You are now talking to Demo Admin.');
  await expect(bobPage.getByRole('log', { name: 'Notifications' })).toContainText('Demo Admin took over your chat with Visitor #');
  await admin.reply('您好，我是主管，马上为您处理退款');
  await expect(dialog.getByRole('log', { name: 'Messages' })).toContainText('您好，我是主管，马上为您处理退款');

  // Nothing of either whisper ever reached the visitor: not on the page, not on the wire.
  await expect(dialog.getByRole('log', { name: 'Messages' })).not.toContainText('核实');
  expect(visitorTraffic.length).toBeGreaterThan(0);
  for (const frame of visitorTraffic) {
    expect(frame).not.toContain('核实');
    expect(frame).not.toContain('正在查订单');
  }

  // The team dashboard: each one's day so far, and who is online with how many chats now.
  await adminPage.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Team' }).click();
  const table = adminPage.getByRole('table', { name: 'Today, per agent' });
  const bobRow = table.getByRole('row', { name: /^Bob/ });
  await expect(bobRow.getByRole('cell').nth(0)).toHaveText('Online');
  await expect(bobRow.getByRole('cell').nth(1)).toHaveText('0');
  // The chat counts for whoever has it now: the admin, who took it over and has it open.
  await expect(bobRow.getByRole('cell').nth(2)).toHaveText('0');
  const adminRow = table.getByRole('row', { name: /^Demo Admin/ });
  await expect(adminRow.getByRole('cell').nth(1)).toHaveText('1');
  await expect(adminRow.getByRole('cell').nth(2)).toHaveText('1');
  await expect(adminRow.getByRole('cell').nth(5)).not.toHaveText('–');
  await adminPage.screenshot({ path: testInfo.outputPath('team-1280.png'), fullPage: true });
  await adminPage.setViewportSize({ width: 390, height: 844 });
  await adminPage.screenshot({ path: testInfo.outputPath('team-390.png'), fullPage: true });
  await adminPage.setViewportSize({ width: 1280, height: 800 });

  // The visitor ends and rates the chat: the rating is the admin's, who has it now. The rating
  // review lists it under the admin, and the conversation is one click away, whispers included.
  await dialog.getByRole('button', { name: 'End chat' }).click();
  await dialog.getByRole('group', { name: 'End chat' }).getByRole('button', { name: 'End chat' }).click();
  const rating = dialog.getByRole('form', { name: 'Rate this chat' });
  await rating.getByRole('radio', { name: /Very satisfied/ }).check();
  await rating.getByLabel('Comment').fill('处理得很快');
  await rating.getByRole('button', { name: 'Send rating' }).click();
  await expect(dialog.getByText('Thank you for your rating.')).toBeVisible();
  await adminPage.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Ratings' }).click();
  const perAgent = adminPage.getByRole('table', { name: 'Ratings per agent' });
  const adminRatings = perAgent.getByRole('row', { name: /^Demo Admin/ });
  await expect(adminRatings).toContainText('5.00');
  await expect(perAgent.getByRole('row', { name: /^Bob/ })).toHaveCount(0);
  await adminRatings.getByRole('button', { name: 'Show the ratings of Demo Admin' }).click();
  const list = adminPage.getByRole('region', { name: 'Ratings' }).getByRole('table', { name: 'Ratings listed' });
  await expect(list.getByRole('row')).toHaveCount(2);
  await list.getByRole('row').filter({ hasText: '处理得很快' }).getByRole('link', { name: /^Open the conversation/ }).click();
  await expect(adminPage).toHaveURL(/\/records\?open=\d+$/);
  const transcript = adminPage.getByRole('list', { name: 'Messages' });
  await expect(transcript).toContainText('我想申请退款，订单 123');
  await expect(transcript.getByRole('listitem').filter({ hasText: '先核实订单号' })).toContainText('Whisper');
  await expect(transcript).toContainText('Demo Admin took over from Bob');
  await adminPage.screenshot({ path: testInfo.outputPath('rating-review-1280.png'), fullPage: true });
  expect(errors).toEqual([]);
});
