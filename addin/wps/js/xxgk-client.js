/* 信息公开年报 WPS 加载项: one click. Settings (the portal's address, the unit's token) live in the page's
 * localStorage (kept between WPS sessions) and are mirrored to wps.PluginStorage; the portal's address defaults to
 * the server the add-in itself was loaded from (same origin, no CORS), or to what the offline package's config.js
 * says. The click: check sheet protection, read the book, POST it to <portal>/addin/<button>, apply the answer. */
(function (root, name, factory) {
  if (typeof module === 'object' && module.exports) {
    module.exports = factory(require('./xxgk-payload.js'), require('./xxgk-actions.js'));
  } else {
    (root.XxgkWps = root.XxgkWps || {})[name] = factory(root.XxgkWps.payload, root.XxgkWps.actions);
  }
})(this, 'client', function (payload, actions) {
  'use strict';

  var TITLE = '信息公开年报';
  var SERVER_KEY = 'xxgk.server', TOKEN_KEY = 'xxgk.token';
  var TEXT = {
    noBook: '没有可用的工作簿。\n请先打开填好的年报模板，再点「校验」或「清除标记」。',
    noToken: '加载项没有配置本单位的上报令牌，无法上报。\n请在报送平台本单位页面生成令牌，点「帮助」→「设置」填入令牌后再点「上报」。',
    noServer: '加载项不知道报送平台的地址。请点「帮助」→「设置」填写报送平台地址（由 IT 人员提供）。',
    unreachable: '连接不上报送平台：',
    unreachableHint: '\n请检查网络，或确认报送平台地址是否正确（「帮助」→「设置」）。若仍不行，请把此窗口截图发给 IT 人员。',
    busy: '上一次点击还在处理中，请稍候。',
    failed: '没有完成：'
  };

  function storage() {
    try {
      return root().localStorage || null;
    } catch (e) {
      return null;
    }
  }

  function root() {
    return typeof window !== 'undefined' ? window : {};
  }

  function pluginStorage() {
    var w = root();
    try {
      return (w.wps && w.wps.PluginStorage) || (w.Application && w.Application.PluginStorage) || null;
    } catch (e) {
      return null;
    }
  }

  function setting(key) {
    var s = storage(), p = pluginStorage(), v = null;
    if (s) v = s.getItem(key);
    if ((v === null || v === undefined) && p) v = p.getItem(key);
    return v === null || v === undefined ? '' : String(v);
  }

  function save(key, value) {
    var s = storage(), p = pluginStorage();
    value = String(value || '').trim();
    if (s) {
      if (value) s.setItem(key, value);
      else s.removeItem(key);
    }
    if (p) p.setItem(key, value);
  }

  function defaultServer() {
    // the add-in's own server: <portal>/wps/index.html -> <portal>; the offline package's config.js otherwise
    var w = root();
    var configured = w.XXGK_WPS_CONFIG && w.XXGK_WPS_CONFIG.server;
    if (configured) return configured;
    var href = w.location && w.location.href ? String(w.location.href) : '';
    var at = href.indexOf('/wps/');
    return /^https?:/.test(href) && at > 0 ? href.slice(0, at) : '';
  }

  function server() {
    return (setting(SERVER_KEY) || defaultServer()).replace(/\/+$/, '');
  }

  function xhrPost(url, body, headers) {
    return new Promise(function (resolve, reject) {
      var xhr = new XMLHttpRequest();
      xhr.open('POST', url, true);
      Object.keys(headers).forEach(function (k) { xhr.setRequestHeader(k, headers[k]); });
      xhr.timeout = 60000;
      xhr.onload = function () { resolve({ status: xhr.status, text: xhr.responseText }); };
      xhr.onerror = function () { reject(new Error('网络错误')); };
      xhr.ontimeout = function () { reject(new Error('超过 60 秒没有应答')); };
      xhr.send(body);
    });
  }

  function etApplication() {
    var w = root();
    if (w.wps && typeof w.wps.EtApplication === 'function') return w.wps.EtApplication();
    return w.Application;
  }

  function showAlert(prompt) {
    root().alert(prompt);
  }

  var busy = false;

  function click(button, deps) {
    // button: validate, clear or submit. deps (tests): app, post(url, body, headers), show(prompt), server, token.
    // Resolves to what happened: 'done', 'refused' or 'failed' (the user was told why in every case).
    deps = deps || {};
    var show = deps.show || showAlert;
    var app = deps.app || etApplication();
    var base = deps.server !== undefined ? deps.server : server();
    var token = deps.token !== undefined ? deps.token : setting(TOKEN_KEY);
    if (busy) {
      show(TEXT.busy);
      return Promise.resolve('refused');
    }
    var wb = app && app.ActiveWorkbook;
    if (!wb) return refuse(show, TEXT.noBook);
    if (!base) return refuse(show, TEXT.noServer);
    if (button === 'submit' && !token) return refuse(show, TEXT.noToken);
    var body;
    try {
      actions.protectAgain(wb, actions.unprotect(wb)); // a real password stops the click before anything is sent
      body = JSON.stringify(payload.build(app));
    } catch (e) {
      return refuse(show, e instanceof actions.Refusal ? e.message : TEXT.failed + e.message);
    }
    var headers = { 'Content-Type': 'application/json; charset=utf-8' };
    if (token) headers.Authorization = /^bearer /i.test(token) ? token : 'Bearer ' + token;
    busy = true;
    return (deps.post || xhrPost)(base + '/addin/' + button, body, headers).then(function (r) {
      busy = false;
      if (r.status !== 200) {
        show(r.text || TEXT.failed + 'HTTP ' + r.status);
        return 'failed';
      }
      actions.apply(app, wb, JSON.parse(r.text).actions, function (prompt) { show(prompt); });
      return 'done';
    }, function (e) {
      busy = false;
      show(TEXT.unreachable + base + '（' + e.message + '）' + TEXT.unreachableHint);
      return 'failed';
    }).catch(function (e) {
      busy = false;
      show(e instanceof actions.Refusal ? e.message : TEXT.failed + e.message);
      return 'failed';
    });
  }

  function refuse(show, message) {
    show(message);
    return Promise.resolve('refused');
  }

  return {
    click: click, server: server, setting: setting, save: save, defaultServer: defaultServer,
    SERVER_KEY: SERVER_KEY, TOKEN_KEY: TOKEN_KEY, TITLE: TITLE, TEXT: TEXT
  };
});
