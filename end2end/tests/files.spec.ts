import { expect, Page } from '@playwright/test';

import { test } from '../fixtures/test';
import { Widget } from '../fixtures/widget';
import { Workbench } from '../fixtures/workbench';

/** A real PNG the browser draws (240 × 140, with Chinese text), plus `padding` bytes after its end. */
async function drawnPng(page: Page, text: string, padding = 0): Promise<Buffer> {
  const url = await page.evaluate((label) => {
    const c = document.createElement('canvas');
    c.width = 240;
    c.height = 140;
    const g = c.getContext('2d')!;
    g.fillStyle = '#1f6feb';
    g.fillRect(0, 0, 240, 140);
    g.fillStyle = '#fff';
    g.font = '28px sans-serif';
    g.fillText(label, 30, 80);
    return c.toDataURL('image/png');
  }, text);
  // Browsers ignore what follows a PNG's end: a larger upload that still shows the picture.
  return Buffer.concat([Buffer.from(url.split(',')[1], 'base64'), Buffer.alloc(padding)]);
}

const PDF = Buffer.from('%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n', 'latin1');

test('a visitor sends an image with progress, the agent accepts it and both see it; the agent pastes a screenshot and sends a PDF', async ({ browser, server }, testInfo) => {
  const errors: string[] = [];
  const agentPage = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  const visitorContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const visitorPage = await visitorContext.newPage();
  for (const p of [agentPage, visitorPage]) {
    p.on('pageerror', (e) => errors.push(e.message));
  }
  const workbench = new Workbench(agentPage);
  await workbench.signIn(server.url, server.company, server.adminLogin, server.adminPassword);
  await visitorPage.goto(server.demoUrl);
  const widget = new Widget(visitorPage);
  await widget.open();
  await widget.send('你好，我发一张截图');
  await widget.expectDelivered('你好，我发一张截图');
  const dialog = visitorPage.getByRole('dialog', { name: 'Chat' });

  // A slow upload (200 KB/s) of a 1.2 MB picture: its progress shows, with a way to cancel.
  const cdp = await visitorContext.newCDPSession(visitorPage);
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 200 * 1024 });
  const picture = await drawnPng(visitorPage, '订单截图', 1200 * 1024);
  await dialog.getByLabel('Attach a file').setInputFiles({ name: '订单截图.png', mimeType: 'image/png', buffer: picture });
  const bar = dialog.getByRole('progressbar', { name: 'Uploading 订单截图.png' });
  await expect(bar).toBeVisible();
  await expect(dialog.getByText(/^\d+%$/)).toBeVisible();
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeVisible();
  await expect.poll(async () => Number(await bar.getAttribute('value'))).toBeGreaterThan(0);
  await visitorPage.screenshot({ path: testInfo.outputPath('widget-upload-progress-1280.png') });
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  const sent = widget.log().getByRole('listitem').filter({ hasText: '订单截图.png' });
  await expect(sent).toContainText('Waiting for the agent to accept');

  // The agent sees the file waiting, accepts it, and sees the picture.
  await workbench.openFirstConversation();
  await agentPage.getByRole('button', { name: 'Accept 订单截图.png' }).click();
  const thumb = workbench.log().getByRole('link', { name: 'Open 订单截图.png full size' });
  await expect(thumb).toBeVisible();
  await expect.poll(() => thumb.locator('img').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(240);
  // The visitor's copy turns into the picture too (fetched with the visitor's token).
  const shown = dialog.getByRole('img', { name: '订单截图.png' });
  await expect(shown).toBeVisible();
  await expect.poll(() => shown.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(240);

  // A screenshot pasted into the reply box is sent as an image.
  const screenshot = (await drawnPng(agentPage, '操作步骤')).toString('base64');
  await agentPage.getByRole('textbox', { name: 'Message' }).evaluate((box, data) => {
    const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
    const transfer = new DataTransfer();
    transfer.items.add(new File([bytes], 'image.png', { type: 'image/png' }));
    box.dispatchEvent(new ClipboardEvent('paste', { clipboardData: transfer, bubbles: true, cancelable: true }));
  }, screenshot);
  await expect(workbench.log().getByRole('link', { name: 'Open image.png full size' })).toBeVisible();
  await expect(dialog.getByRole('img', { name: 'image.png' })).toBeVisible();

  // A PDF from the attach button reaches the visitor as a download, under its Chinese name.
  await agentPage.getByLabel('Attach a file').setInputFiles({ name: '报价单.pdf', mimeType: 'application/pdf', buffer: PDF });
  await expect(workbench.log().getByRole('link', { name: 'Download 报价单.pdf' })).toBeVisible();
  const offered = dialog.getByRole('button', { name: /报价单\.pdf · \d+ B/ });
  await expect(offered).toBeVisible();
  const download = visitorPage.waitForEvent('download');
  await offered.click();
  expect((await download).suggestedFilename()).toBe('报价单.pdf');

  await agentPage.screenshot({ path: testInfo.outputPath('files-agent-1280.png'), fullPage: true });
  await visitorPage.screenshot({ path: testInfo.outputPath('files-widget-1280.png') });
  await agentPage.setViewportSize({ width: 390, height: 844 });
  await agentPage.screenshot({ path: testInfo.outputPath('files-agent-390.png'), fullPage: true });
  await visitorPage.setViewportSize({ width: 390, height: 844 });
  await visitorPage.screenshot({ path: testInfo.outputPath('files-widget-390.png') });
  expect(errors).toEqual([]);
});

test("a site's file rules: a file over the limit fails at once in the widget and can be dropped", async ({ browser, server }, testInfo) => {
  const agentPage = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  const workbench = new Workbench(agentPage);
  await workbench.signIn(server.url, server.company, server.adminLogin, server.adminPassword);
  await agentPage.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Files', exact: true }).click();
  const form = agentPage.getByRole('form', { name: 'Files in chats' });
  await expect(form.getByLabel('Largest file (MB)')).toHaveValue('10');
  await form.getByLabel('Largest file (MB)').fill('1');
  await form.getByLabel('Archives (ZIP, RAR, 7z)').uncheck();
  await form.getByRole('button', { name: 'Save' }).click();
  await expect(agentPage.getByText('Saved.')).toBeVisible();
  await agentPage.screenshot({ path: testInfo.outputPath('file-rules-1280.png'), fullPage: true });
  await agentPage.setViewportSize({ width: 390, height: 844 });
  await agentPage.screenshot({ path: testInfo.outputPath('file-rules-390.png'), fullPage: true });

  const visitorPage = await (await browser.newContext()).newPage();
  await visitorPage.goto(server.demoUrl);
  const widget = new Widget(visitorPage);
  await widget.open();
  const dialog = visitorPage.getByRole('dialog', { name: 'Chat' });
  const big = await drawnPng(visitorPage, '太大了', 1100 * 1024);
  await dialog.getByLabel('Attach a file').setInputFiles({ name: '大图.png', mimeType: 'image/png', buffer: big });
  const failed = widget.log().getByRole('listitem').filter({ hasText: '大图.png' });
  await expect(failed).toContainText('That file is larger than this site allows.');
  await expect(failed.getByRole('button', { name: 'Retry' })).toBeVisible();
  await failed.getByRole('button', { name: 'Cancel' }).click();
  await expect(failed).toHaveCount(0);
});

test('an admin keeps common files in folders; an agent sends one into a chat in two clicks', async ({ browser, server }, testInfo) => {
  const agentPage = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  const workbench = new Workbench(agentPage);
  await workbench.signIn(server.url, server.company, server.adminLogin, server.adminPassword);
  const nav = agentPage.getByRole('navigation', { name: 'Main' });
  await nav.getByRole('link', { name: 'Common files' }).click();
  const page = agentPage.getByRole('region', { name: 'Common files' });
  await expect(page.getByText('No common files yet.')).toBeVisible();
  await page.getByLabel('Folder').fill('价目表');
  await page.getByLabel('Add files').setInputFiles({ name: '2026 价目表.pdf', mimeType: 'application/pdf', buffer: PDF });
  await expect(page.getByRole('table', { name: '价目表' }).getByRole('rowheader', { name: '2026 价目表.pdf' })).toBeVisible();
  await agentPage.screenshot({ path: testInfo.outputPath('library-1280.png'), fullPage: true });
  await agentPage.setViewportSize({ width: 390, height: 844 });
  await agentPage.screenshot({ path: testInfo.outputPath('library-390.png'), fullPage: true });
  await agentPage.setViewportSize({ width: 1280, height: 900 });

  const visitorPage = await (await browser.newContext()).newPage();
  await visitorPage.goto(server.demoUrl);
  const widget = new Widget(visitorPage);
  await widget.open();
  await widget.send('有价目表吗？');
  await widget.expectDelivered('有价目表吗？');
  await nav.getByRole('link', { name: 'Chats' }).click();
  await workbench.openFirstConversation();
  await agentPage.getByRole('button', { name: 'Common files' }).click();
  await agentPage.getByRole('button', { name: 'Send 2026 价目表.pdf' }).click();
  await expect(workbench.log().getByRole('link', { name: 'Download 2026 价目表.pdf' })).toBeVisible();
  const dialog = visitorPage.getByRole('dialog', { name: 'Chat' });
  await expect(dialog.getByRole('button', { name: /2026 价目表\.pdf/ })).toBeVisible();
});
