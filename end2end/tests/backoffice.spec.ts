import { expect } from '@playwright/test';

import { KefuServer } from '../fixtures/server';
import { test } from '../fixtures/test';
import { Workbench } from '../fixtures/workbench';

test('an admin builds the team; the new agent sees only what the role allows and is signed out when disabled', async ({ browser, server }, testInfo) => {
  const errors: string[] = [];
  const adminPage = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  const agentPage = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  for (const p of [adminPage, agentPage]) {
    // The refused password (422) and the disabled agent's session check (401) are expected answers.
    const expected = /^Failed to load resource: the server responded with a status of (422|401)/;
    p.on('console', (m) => { if (m.type() === 'error' && !expected.test(m.text())) errors.push(m.text()); });
    p.on('pageerror', (e) => errors.push(e.message));
  }
  const admin = new Workbench(adminPage);
  await admin.signIn(server.url, server.company, server.adminLogin, server.adminPassword);
  const nav = adminPage.getByRole('navigation', { name: 'Main' });
  const saved = adminPage.getByText('Saved.');

  // A second site.
  await nav.getByRole('link', { name: 'Sites' }).click();
  await adminPage.getByRole('button', { name: 'New site' }).click();
  const siteForm = adminPage.getByRole('form', { name: 'New site' });
  await siteForm.getByLabel('Name', { exact: true }).fill('分店');
  await siteForm.getByLabel('Bound domains').fill('branch.example\n*.branch.example');
  await siteForm.getByRole('button', { name: 'Save' }).click();
  await expect(saved).toBeVisible();
  await expect(adminPage.getByRole('article', { name: '分店' })).toContainText('branch.example, *.branch.example');

  // A department.
  await nav.getByRole('link', { name: 'Departments' }).click();
  await adminPage.getByRole('button', { name: 'New department' }).click();
  await adminPage.getByLabel('Name', { exact: true }).fill('售后部');
  await adminPage.getByRole('button', { name: 'Save' }).click();
  await expect(adminPage.getByRole('cell', { name: '售后部', exact: true })).toBeVisible();

  // A custom role, a copy of the agent role: chats and visitors, nothing of the team.
  await nav.getByRole('link', { name: 'Roles' }).click();
  await adminPage.getByRole('button', { name: 'New role' }).click();
  const roleForm = adminPage.getByRole('form', { name: 'New role' });
  await roleForm.getByLabel('Name', { exact: true }).fill('值班客服');
  await expect(roleForm.getByRole('checkbox', { name: 'Answer chats' })).toBeChecked();
  await expect(roleForm.getByRole('checkbox', { name: 'Manage agents and departments' })).not.toBeChecked();
  await roleForm.getByRole('checkbox', { name: 'Operation log' }).check();
  // Chats on the agent's own sites, visitors on every site.
  await roleForm.getByLabel('Sites for Chats').selectOption({ label: 'Only the sites the agent serves' });
  await roleForm.getByLabel('Sites for Visitors').selectOption({ label: 'All sites' });
  await adminPage.screenshot({ path: testInfo.outputPath('role-form-1280.png'), fullPage: true });
  await roleForm.getByRole('button', { name: 'Save' }).click();
  await expect(adminPage.getByRole('cell', { name: '值班客服', exact: true })).toBeVisible();
  await expect(adminPage.getByRole('row', { name: /值班客服/ })).toContainText('Only the sites the agent serves: Chats');

  // An agent with that role, in that department, serving the new site.
  await nav.getByRole('link', { name: 'Agents' }).click();
  await adminPage.getByRole('button', { name: 'New agent' }).click();
  const agentForm = adminPage.getByRole('form', { name: 'New agent' });
  await agentForm.getByLabel('Account', { exact: true }).fill('duty');
  await agentForm.getByLabel('Password', { exact: true }).fill('has space');
  await agentForm.getByLabel('Name', { exact: true }).fill('值班小李');
  await agentForm.getByLabel('Role').selectOption({ label: '值班客服' });
  await agentForm.getByLabel('Department').selectOption({ label: '售后部' });
  await agentForm.getByRole('checkbox', { name: '分店' }).check();
  // Region routing: the agent serves Guangdong first, and France.
  await agentForm.getByText('South China').click();
  await agentForm.getByRole('group', { name: 'South China' }).getByRole('checkbox', { name: 'Guangdong' }).check();
  await agentForm.getByLabel('Other countries').fill('fr');
  await agentForm.getByRole('button', { name: 'Save' }).click();
  // The rule shown under the field is what refused it, next to the field.
  await expect(agentForm.getByRole('textbox', { name: 'Password' })).toHaveAttribute('aria-invalid', 'true');
  await expect(agentForm.getByText('Password is not in the expected form.')).toBeVisible();
  await agentForm.getByLabel('Password', { exact: true }).fill('duty-pw-1');
  await agentForm.getByRole('button', { name: 'Save' }).click();
  const row = adminPage.getByRole('row', { name: /duty/ });
  await expect(row).toContainText('值班客服');
  await expect(row).toContainText('售后部');
  await expect(row).toContainText('分店');
  await row.getByRole('button', { name: 'Edit 值班小李' }).click();
  const editForm = adminPage.getByRole('form', { name: 'Edit agent' });
  await editForm.getByText('South China (1)').click();
  await expect(editForm.getByRole('checkbox', { name: 'Guangdong' })).toBeChecked();
  await expect(editForm.getByLabel('Other countries')).toHaveValue('FR');
  await adminPage.screenshot({ path: testInfo.outputPath('agent-regions-1280.png'), fullPage: true });
  await editForm.getByRole('button', { name: 'Cancel' }).click();
  // The site turns region routing on; the choice stays.
  await nav.getByRole('link', { name: 'Routing' }).click();
  const routing = adminPage.getByRole('form', { name: 'Routing' });
  await routing.getByRole('checkbox', { name: 'Route by region' }).check();
  await routing.getByRole('button', { name: 'Save' }).click();
  await expect(adminPage.getByRole('region', { name: 'Routing' }).getByText('Saved.')).toBeVisible();
  await adminPage.reload();
  await expect(adminPage.getByRole('form', { name: 'Routing' }).getByRole('checkbox', { name: 'Route by region' })).toBeChecked();
  await adminPage.screenshot({ path: testInfo.outputPath('routing-regions-1280.png') });
  await nav.getByRole('link', { name: 'Agents' }).click();
  await adminPage.screenshot({ path: testInfo.outputPath('agents-1280.png'), fullPage: true });
  await adminPage.setViewportSize({ width: 390, height: 844 });
  await adminPage.screenshot({ path: testInfo.outputPath('agents-390.png'), fullPage: true });
  await adminPage.setViewportSize({ width: 1280, height: 900 });

  // The agent signs in with company + account + password and sees no team pages.
  const agent = new Workbench(agentPage);
  await agent.signIn(server.url, server.company, 'duty', 'duty-pw-1');
  const agentNav = agentPage.getByRole('navigation', { name: 'Main' });
  await expect(agentNav.getByRole('link', { name: 'Chats' })).toBeVisible();
  await expect(agentNav.getByRole('link', { name: 'Operation log' })).toBeVisible();
  await expect(agentNav.getByRole('link', { name: 'Agents' })).toHaveCount(0);
  await expect(agentNav.getByRole('link', { name: 'Roles' })).toHaveCount(0);
  const direct = await agentPage.request.post(`${server.url}/api/agents`, { form: { query: '', offset: '0' } });
  expect(direct.status()).toBe(403);

  // Disabling the agent signs their open workbench out at once.
  await row.getByRole('button', { name: 'Disable 值班小李' }).click();
  await expect(row).toContainText('Disabled');
  await expect(agentPage).toHaveURL(/\/login$/, { timeout: 1_000 });

  // The operation log has all of it, newest first.
  await nav.getByRole('link', { name: 'Operation log' }).click();
  const log = adminPage.getByRole('table');
  for (const kind of ['Site created', 'Department created', 'Role created', 'Agent created', 'Agent disabled', 'Signed in']) {
    await expect(log.getByRole('cell', { name: kind, exact: true }).first()).toBeVisible();
  }
  await adminPage.getByLabel('Type').selectOption({ label: 'Agent disabled' });
  await expect(log.getByRole('row')).toHaveCount(2);
  await adminPage.screenshot({ path: testInfo.outputPath('log-1280.png'), fullPage: true });
  await adminPage.getByLabel('Type').selectOption({ label: 'All' });
  const download = adminPage.waitForEvent('download');
  await adminPage.getByRole('button', { name: 'Export CSV' }).click();
  const file = await download;
  const csv = (await import('node:fs')).readFileSync(await file.path(), 'utf8');
  expect(csv.charCodeAt(0)).toBe(0xfeff);
  expect(csv).toContain('值班小李');
  await adminPage.setViewportSize({ width: 390, height: 844 });
  await adminPage.screenshot({ path: testInfo.outputPath('log-390.png'), fullPage: true });
  expect(errors).toEqual([]);
});

test('first run without the demo shows the setup page, which creates the company and signs its admin in', async ({ page }) => {
  const server = new KefuServer(3110, 3111, { demo: false });
  await server.start();
  try {
    await page.goto(`${server.url}/login`);
    await page.getByRole('link', { name: 'This server has no company yet: set it up' }).click();
    await expect(page.getByRole('heading', { name: 'Set up kefu' })).toBeVisible();
    await page.getByLabel('Company name').fill('茶叶小店');
    await page.getByLabel('Company account', { exact: true }).fill('tea');
    await page.getByLabel('Account', { exact: true }).fill('boss');
    await page.getByLabel('Password', { exact: true }).fill('tea-pw-1');
    await page.getByLabel('Website name').fill('官网');
    await page.getByRole('button', { name: 'Create company' }).click();
    await expect(page.getByRole('status')).toHaveText('Connected');
    await page.screenshot({ path: test.info().outputPath('after-setup-1280.png') });
    await page.goto(`${server.url}/setup`);
    // Filled before the page is hydrated, the form would post natively and its error not show.
    await page.waitForLoadState('networkidle');
    await page.getByLabel('Company name').fill('Another');
    await page.getByLabel('Company account', { exact: true }).fill('other');
    await page.getByLabel('Account', { exact: true }).fill('boss');
    await page.getByLabel('Password', { exact: true }).fill('tea-pw-1');
    await page.getByLabel('Website name').fill('x');
    await page.getByRole('button', { name: 'Create company' }).click();
    await expect(page.getByRole('alert').filter({ hasText: 'already set up' })).toBeVisible();
  } finally {
    await server.stop();
    server.cleanup();
  }
});

test('categories keep the order the admin gives them, and personal settings change the workbench', async ({ browser, server }, testInfo) => {
  const errors: string[] = [];
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(e.message));
  await new Workbench(page).signIn(server.url, server.company, server.adminLogin, server.adminPassword);
  const nav = page.getByRole('navigation', { name: 'Main' });

  await nav.getByRole('link', { name: 'Categories' }).click();
  for (const name of ['售前咨询', '售后服务']) {
    await page.getByRole('button', { name: 'New category' }).click();
    const form = page.getByRole('form', { name: 'New category' });
    await form.getByLabel('Name', { exact: true }).fill(name);
    await form.getByRole('checkbox', { name: 'Demo Admin' }).check();
    await form.getByLabel('Switchboard agent').selectOption({ label: 'Demo Admin' });
    await form.getByRole('button', { name: 'Save' }).click();
    await expect(page.getByRole('cell', { name, exact: true })).toBeVisible();
  }
  const rows = page.getByRole('row');
  await expect(rows.nth(1)).toContainText('售前咨询');
  // Keyboard only: focus the button and press Enter.
  await page.getByRole('button', { name: 'Move up 售后服务' }).focus();
  await page.keyboard.press('Enter');
  await expect(rows.nth(1)).toContainText('售后服务');
  await expect(rows.nth(2)).toContainText('售前咨询');
  await page.screenshot({ path: testInfo.outputPath('categories-1280.png'), fullPage: true });

  // Personal settings: a nickname, Chinese, and Ctrl+Enter to send.
  await page.goto(`${server.url}/me`);
  const settings = page.getByRole('form', { name: 'My settings' });
  await settings.getByLabel('Nickname shown to visitors').fill('小德');
  await settings.getByLabel('Send with').selectOption({ label: 'Ctrl+Enter (Enter for a new line)' });
  await settings.getByRole('button', { name: 'Add a line' }).click();
  await settings.getByRole('textbox', { name: 'Label 1' }).fill('微信');
  await settings.getByRole('textbox', { name: 'Value 1' }).fill('kefu-demo');
  // An avatar: the server sends back its own 160 px PNG of the picture.
  const tinyPng = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
  await settings.getByLabel('Avatar').setInputFiles({ name: '头像.png', mimeType: 'image/png', buffer: Buffer.from(tinyPng, 'base64') });
  await expect(settings.getByRole('img', { name: 'Avatar' })).toHaveJSProperty('naturalWidth', 160);
  await settings.getByLabel('Language').selectOption({ label: '简体中文' });
  await settings.getByRole('button', { name: 'Save' }).click();
  // The workbench renders again in the chosen language.
  await expect(page.getByRole('heading', { name: '个人设置' })).toBeVisible();
  await expect(page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '对话' })).toBeVisible();
  const saved = page.getByRole('form', { name: '个人设置' });
  await expect(saved.getByLabel('昵称（访客可见）')).toHaveValue('小德');
  await expect(saved.getByRole('textbox', { name: '内容 1' })).toHaveValue('kefu-demo');
  await page.screenshot({ path: testInfo.outputPath('settings-zh-1280.png'), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: testInfo.outputPath('settings-zh-390.png'), fullPage: true });
  expect(errors).toEqual([]);
});

test('signing in works before the page script runs, or without it: the form posts and its error shows', async ({ browser, server }) => {
  // A click before hydration (a slow phone, a busy machine) posts the form natively: the same as
  // no script at all.
  const page = await (await browser.newContext({ locale: 'ja-JP', javaScriptEnabled: false })).newPage();
  await page.goto(`${server.url}/login`);
  await page.getByLabel('企業ID').fill(server.company);
  await page.getByLabel('ログインID').fill(server.adminLogin);
  await page.getByLabel('パスワード').fill('not the password');
  await page.getByRole('button', { name: 'ログイン' }).click();
  await expect(page.getByRole('alert')).toHaveText('企業ID、ログインIDまたはパスワードが違います。');
  await expect(page).toHaveURL(/\/login\?/);
  await page.getByLabel('企業ID').fill(server.company);
  await page.getByLabel('ログインID').fill(server.adminLogin);
  await page.getByLabel('パスワード').fill(server.adminPassword);
  await page.getByRole('button', { name: 'ログイン' }).click();
  await expect(page).not.toHaveURL(/\/login/);
  // Signed in: the server sends the browser on to the workbench.
  await expect(page.getByRole('heading', { name: 'kefu にログイン' })).toHaveCount(0);
});
