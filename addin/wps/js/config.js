/* 信息公开年报 WPS 加载项: settings fixed by whoever deployed the add-in. Served by the portal: empty (the portal is
 * the server the add-in was loaded from). In the offline package (xxgk addin wps-package --server URL) the
 * portal's address is written here. */
window.XXGK_WPS_CONFIG = window.XXGK_WPS_CONFIG || { server: '' };
