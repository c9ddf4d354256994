/* 信息公开年报 WPS 加载项: the settings form of help.html (portal address, the unit's token). */
(function () {
  var client = window.XxgkWps.client;
  var form = document.getElementById('xxgk-settings');
  var server = document.getElementById('xxgk-server');
  var token = document.getElementById('xxgk-token');
  server.value = client.setting(client.SERVER_KEY);
  server.placeholder = client.defaultServer() || server.placeholder;
  token.value = client.setting(client.TOKEN_KEY);
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var url = server.value.trim();
    if (url && !/^https?:\/\/[^\s/]+/i.test(url)) {
      document.getElementById('xxgk-saved').textContent = '报送平台地址应以 http:// 或 https:// 开头。';
      return;
    }
    client.save(client.SERVER_KEY, url);
    client.save(client.TOKEN_KEY, token.value);
    document.getElementById('xxgk-saved').textContent = '已保存。';
  });
})();
