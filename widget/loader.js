/* kefu widget loader: finds its site key, makes an isolated Shadow DOM host and loads the WASM widget
   without blocking the page. Keep it tiny: it is on every page of every customer. */
(function () {
  var s = document.currentScript, key = s && s.getAttribute('data-site-key');
  if (!key || window.__kefu) return;
  window.__kefu = 1;
  // Who the site says the visitor is: data-user-id/-name/-email/-hash, or kefu('identify', {...})
  // (called before the widget loads, it waits in kefu.q).
  var user = null, widget = null, a = function (n) { return s.getAttribute('data-user-' + n) || ''; };
  if (a('id')) user = { id: a('id'), name: a('name'), email: a('email'), hash: a('hash') };
  var q = (window.kefu && window.kefu.q) || [];
  window.kefu = function (cmd, data) {
    if (cmd !== 'identify' || !data) return;
    if (widget) widget.identify(JSON.stringify(data)); else user = data;
  };
  for (var i = 0; i < q.length; i++) window.kefu.apply(null, q[i]);
  var base = new URL(s.src).origin;
  function go() {
    var host = document.createElement('div');
    host.id = 'kefu-chat';
    document.body.appendChild(host);
    var root = host.attachShadow({ mode: 'open' });
    // The widget carries English; a Chinese, Japanese or Korean page's texts come beside it.
    var lang = document.documentElement.lang || navigator.language || '';
    var texts = /^(zh|ja|ko)/i.test(lang) ? fetch(base + '/api/v1/visitor/texts?lang=' + encodeURIComponent(lang))
      .then(function (r) { return r.ok ? r.text() : ''; }, function () { return ''; }) : '';
    import(base + '/widget/kefu_widget.js').then(function (m) {
      return Promise.all([m.default({ module_or_path: base + '/widget/kefu_widget_bg.wasm' }), texts]).then(function (r) {
        m.start(root, key, base, s.getAttribute('data-agent') || undefined, s.getAttribute('data-page') || undefined,
          user ? JSON.stringify(user) : undefined, r[1] || undefined);
        widget = m;
      });
    }).catch(function (e) { console.warn('kefu chat could not load', e); });
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', go); else go();
})();
