/* The portal's WPS publish page: installs (enable) or removes (disable) the add-in through WPS's local service
 * (http://127.0.0.1:58890, started by the ksoWPSCloudSvr:// link), which writes the user's jsaddons/publish.xml:
 * the same request as Kingsoft's publish.html (base64 of the add-in's JSON). */
(function () {
  'use strict';
  var box = document.getElementById('wps-install');
  var status = document.getElementById('wps-status');
  var SERVICE = 'http://127.0.0.1:58890';
  var addon = { name: box.dataset.name, addonType: box.dataset.type, url: box.dataset.url, online: 'true',
    version: box.dataset.version, customDomain: '' };

  function say(text, kind) {
    status.textContent = text;
    status.className = 'alert ' + kind;
    status.hidden = false;
  }

  function encode(text) {
    return btoa(unescape(encodeURIComponent(text)));
  }

  function post(path, body, tries, done) {
    var xhr = new XMLHttpRequest();
    xhr.open('POST', SERVICE + path);
    xhr.timeout = 3000;
    xhr.onload = function () { done(xhr); };
    xhr.onerror = xhr.ontimeout = function () {
      if (tries <= 1) {
        done(null);
        return;
      }
      if (tries === 4) window.location.href = 'ksoWPSCloudSvr://start=RelayHttpServer'; // start WPS's local service
      setTimeout(function () { post(path, body, tries - 1, done); }, 1500);
    };
    xhr.send(body);
  }

  function run(cmd) {
    say('正在连接本机 WPS……', 'warn');
    var data = { cmd: cmd, name: addon.name, url: addon.url, addonType: addon.addonType, online: addon.online,
      version: addon.version, customDomain: addon.customDomain };
    post('/deployaddons/runParams', encode(JSON.stringify(data)), 4, function (xhr) {
      if (!xhr) {
        say('连接不上本机 WPS 的服务：请确认本机已安装 WPS Office，浏览器询问时允许打开 WPS；仍不行请用下方「手工安装」。', 'bad');
      } else if (xhr.status === 200 && (xhr.responseText === 'OK' || xhr.responseText === '')) {
        say(cmd === 'enable'
          ? '已安装。请重新启动 WPS 表格；首次加载时点「信任」，再重新启动一次，功能区即出现「信息公开年报」。'
          : '已卸载。重新启动 WPS 表格后选项卡消失。', 'ok');
      } else {
        say('WPS 没有接受这次' + (cmd === 'enable' ? '安装' : '卸载') + '（' + xhr.status + ' ' + xhr.responseText + '）。请用下方「手工安装」。', 'bad');
      }
    });
  }

  document.getElementById('wps-enable').addEventListener('click', function () { run('enable'); });
  document.getElementById('wps-disable').addEventListener('click', function () { run('disable'); });
})();
