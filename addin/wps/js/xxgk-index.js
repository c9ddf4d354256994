/* 信息公开年报 WPS 加载项: index.html shows which portal the buttons talk to. */
(function () {
  var span = document.getElementById('xxgk-server-url');
  var url = window.XxgkWps && window.XxgkWps.client.server();
  if (span && url) span.textContent = url;
})();
