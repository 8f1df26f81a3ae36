import { expect } from '@playwright/test';

import { test } from '../fixtures/test';
import { Widget } from '../fixtures/widget';
import { Workbench } from '../fixtures/workbench';

// The browser's notification and sound APIs, observed: desktop notifications are recorded, tones
// counted, and the test says when the tab is in the background.
function observeAlerts() {
  const w = window as any;
  w.__notes = [];
  w.__tones = 0;
  w.__hidden = false;
  Object.defineProperty(document, 'hidden', { get: () => w.__hidden });
  class RecordedNotification {
    static permission = 'default';
    static requestPermission() {
      RecordedNotification.permission = 'granted';
      return Promise.resolve('granted');
    }
    onclick: unknown = null;
    constructor(title: string, options?: { body?: string }) {
      w.__notes.push({ title, body: options?.body ?? '' });
    }
  }
  w.Notification = RecordedNotification;
  const Real = window.AudioContext;
  w.AudioContext = class extends Real {
    createOscillator() {
      w.__tones += 1;
      return super.createOscillator();
    }
  };
}

test('a chat request rings until it is accepted, counts in the tab title and shows a desktop notification in the background', async ({ browser, server }, testInfo) => {
  const agentContext = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await agentContext.addInitScript(observeAlerts);
  const agentPage = await agentContext.newPage();
  const workbench = new Workbench(agentPage);
  await workbench.signIn(server.url, server.company, server.adminLogin, server.adminPassword);
  await expect(agentPage).toHaveTitle('kefu workbench');

  // Asked once, with why.
  const turnOn = agentPage.getByRole('button', { name: 'Turn on desktop notifications' });
  await expect(turnOn).toHaveAttribute('title', /background/);
  await turnOn.click();
  await expect(turnOn).toBeHidden();

  // Approval mode: the new chat is offered to the agent, who must answer it.
  const nav = agentPage.getByRole('navigation', { name: 'Main' });
  await nav.getByRole('link', { name: 'Routing' }).click();
  const routing = agentPage.getByRole('form', { name: 'Routing' });
  await routing.getByLabel(/^Approval mode/).check();
  await routing.getByLabel(/^Seconds to answer/).fill('120');
  await routing.getByRole('button', { name: 'Save' }).click();
  await expect(agentPage.getByRole('region', { name: 'Routing' }).getByText('Saved.')).toBeVisible();
  await nav.getByRole('link', { name: 'Chats' }).click();
  await agentPage.evaluate(() => { (window as any).__hidden = true; });

  const visitorPage = await (await browser.newContext()).newPage();
  await visitorPage.goto(server.demoUrl);
  const widget = new Widget(visitorPage);
  await widget.open();
  await widget.send('发票怎么开？');

  await expect.poll(() => agentPage.evaluate(() => (window as any).__notes)).toContainEqual({
    title: 'A visitor is waiting',
    body: 'A new chat needs an agent.',
  });
  await expect(agentPage).toHaveTitle('(1) kefu workbench');
  // The tab's icon carries the count too (a pinned tab shows no title).
  const icon = () => agentPage.locator('link[rel=icon]').getAttribute('href');
  await expect.poll(icon).toMatch(/^data:image\/png/);
  const badged = await icon();
  // It keeps ringing (two tones a ring, a ring every 4 s) while nobody answers.
  await expect.poll(() => agentPage.evaluate(() => (window as any).__tones), { timeout: 20_000 }).toBeGreaterThanOrEqual(6);
  await agentPage.screenshot({ path: testInfo.outputPath('alerts-request-1280.png') });

  // Accepted: the request is gone; the visitor's message waits unread, then is read.
  await agentPage.evaluate(() => { (window as any).__hidden = false; });
  const requests = workbench.conversations().getByRole('region', { name: 'New chat requests' });
  await requests.getByRole('button', { name: /^Accept / }).click();
  await expect(requests).toHaveCount(0);
  await expect(workbench.log()).toContainText('发票怎么开？');
  await expect(agentPage).toHaveTitle('kefu workbench');
  await expect.poll(icon).not.toBe(badged);

  // In the background again (the chat still open), a new message stays unread, counts and
  // notifies with its text.
  await agentPage.evaluate(() => { (window as any).__hidden = true; });
  await widget.send('还在吗？');
  await expect(agentPage).toHaveTitle('(1) kefu workbench');
  await expect.poll(() => agentPage.evaluate(() => (window as any).__notes)).toContainEqual({
    title: 'New message',
    body: '还在吗？',
  });
});

test('the tones follow the volume chosen in my settings: silent at 0, a sample at the level set', async ({ browser, server }) => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addInitScript(observeAlerts);
  const page = await context.newPage();
  const workbench = new Workbench(page);
  await workbench.signIn(server.url, server.company, server.adminLogin, server.adminPassword);
  await page.getByRole('link', { name: 'Demo Admin' }).click();
  const volume = page.getByRole('slider', { name: 'Sound volume' });
  await expect(volume).toHaveValue('60');
  const tones = () => page.evaluate(() => (window as any).__tones);
  await volume.fill('0');
  await page.getByRole('button', { name: 'Play a sample' }).click();
  await volume.fill('100');
  await page.getByRole('button', { name: 'Play a sample' }).click();
  // Only the second sample sounded (the new-chat tone is two beeps).
  await expect.poll(tones).toBe(2);
  await volume.fill('30');
  await page.getByRole('form', { name: 'My settings' }).getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText('Saved.')).toBeVisible();
  await page.reload();
  await expect(page.getByRole('slider', { name: 'Sound volume' })).toHaveValue('30');
});
