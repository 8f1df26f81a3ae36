/* kefu widget loader: finds its site key, makes an isolated Shadow DOM host and loads the WASM widget
   without blocking the page. Keep it tiny: it is on every page of every customer. */
(function () {
  var s = document.currentScript, key = s && s.getAttribute('data-site-key');
  if (!key || window.__kefu) return;
  window.__kefu = 1;
  var base = new URL(s.src).origin;
  function go() {
    var host = document.createElement('div');
    host.id = 'kefu-chat';
    document.body.appendChild(host);
    var root = host.attachShadow({ mode: 'open' });
    import(base + '/widget/kefu_widget.js').then(function (m) {
      return m.default({ module_or_path: base + '/widget/kefu_widget_bg.wasm' }).then(function () {
        m.start(root, key, base, s.getAttribute('data-agent') || undefined, s.getAttribute('data-page') || undefined);
      });
    }).catch(function (e) { console.warn('kefu chat could not load', e); });
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', go); else go();
})();
