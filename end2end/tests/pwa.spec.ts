import { expect } from '@playwright/test';

import { test } from '../fixtures/test';
import { Widget } from '../fixtures/widget';
import { Workbench } from '../fixtures/workbench';

test('the workbench is installable: a manifest with icons, and a service worker that keeps the app shell but no API answer', async ({ browser, server }, testInfo) => {
  const agentPage = await (await browser.newContext({ viewport: { width: 390, height: 844 } })).newPage();
  const workbench = new Workbench(agentPage);
  await workbench.signIn(server.url, server.company, server.adminLogin, server.adminPassword);

  const href = await agentPage.locator('link[rel=manifest]').getAttribute('href');
  const manifest = await (await agentPage.request.get(`${server.url}${href}`)).json();
  expect(manifest).toMatchObject({ name: 'kefu', start_url: '/chats', display: 'standalone' });
  const sizes = await agentPage.evaluate(async (icons: { src: string }[]) => Promise.all(icons.map((icon) => new Promise<number>((done) => {
    const img = new Image();
    img.onload = () => done(img.naturalWidth);
    img.onerror = () => done(0);
    img.src = icon.src;
  }))), manifest.icons);
  expect(sizes).toEqual([192, 512]);

  // The worker takes the page over, and keeps the shell.
  const scope = await agentPage.evaluate(async () => (await navigator.serviceWorker.ready).scope);
  expect(scope).toBe(`${server.url}/`);
  // A chat with a file: server functions, the socket and a download all go past the worker.
  const visitorPage = await (await browser.newContext()).newPage();
  await visitorPage.goto(server.demoUrl);
  const widget = new Widget(visitorPage);
  await widget.open();
  await widget.send('装了吗？');
  await agentPage.reload();
  await expect(agentPage.getByRole('status')).toHaveText('Connected');
  await workbench.openFirstConversation();
  await workbench.reply('装好了');
  const cached = await agentPage.evaluate(async () => {
    const cache = await caches.open('kefu-shell-v1');
    return (await cache.keys()).map((r) => new URL(r.url).pathname);
  });
  expect(cached).toEqual(expect.arrayContaining(['/pkg/kefu.js', '/pkg/kefu.wasm', '/pkg/kefu.css']));
  expect(cached.filter((path) => path.startsWith('/api/') || path === '/chats' || path === '/')).toEqual([]);
  await agentPage.goto(`${server.url}/icons/192.png`);
  await agentPage.screenshot({ path: testInfo.outputPath('app-icon.png') });
});
