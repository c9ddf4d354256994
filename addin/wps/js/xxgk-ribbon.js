/* 信息公开年报 WPS 加载项: the ribbon's callbacks (ribbon.xml names them): OnAddinLoad, OnAction, GetImage.
 * Global functions, as WPS calls them on the add-in's page (index.html). */
/* exported OnAddinLoad, OnAction, GetImage */
var XXGK_BUTTONS = { xxgkValidate: 'validate', xxgkClear: 'clear', xxgkSubmit: 'submit' };
var XXGK_IMAGES = { xxgkValidate: 'images/validate.svg', xxgkClear: 'images/clear.svg',
  xxgkSubmit: 'images/submit.svg', xxgkHelp: 'images/help.svg' };

function OnAddinLoad(ribbonUI) {
  if (window.Application && typeof window.Application.ribbonUI !== 'object') window.Application.ribbonUI = ribbonUI;
  return true;
}

function xxgkShowHelp() {
  var url = window.location.href.replace(/[^/]*([?#].*)?$/, '') + 'help.html';
  var app = window.Application;
  if (app && typeof app.ShowDialog === 'function') {
    var ratio = window.devicePixelRatio || 1;
    app.ShowDialog(url, '信息公开年报 · 帮助', 640 * ratio, 600 * ratio, false);
  } else if (window.wps && typeof window.wps.ShowDialog === 'function') {
    window.wps.ShowDialog(url, '信息公开年报 · 帮助', 640, 600, false);
  } else {
    window.open(url, '_blank');
  }
}

function OnAction(control) {
  var id = control && (control.Id || control.id);
  if (id === 'xxgkHelp') xxgkShowHelp();
  else if (XXGK_BUTTONS[id]) window.XxgkWps.client.click(XXGK_BUTTONS[id]);
  return true;
}

function GetImage(control) {
  return XXGK_IMAGES[control && (control.Id || control.id)] || 'images/help.svg';
}
