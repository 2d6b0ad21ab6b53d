/* Telegram opens a Mini App with its signed initData in the URL fragment (#tgWebAppData=...),
   which browsers never send to a server. Read it here and post it to /tab/telegram, which
   verifies it and redirects into the shop. Without it, the page explains what to do instead. */
(function () {
  "use strict";
  var form = document.querySelector("[data-telegram-launch]");
  if (!form) return;
  var fragment = new URLSearchParams(window.location.hash.replace(/^#/, ""));
  var initData = fragment.get("tgWebAppData") ||
    (window.Telegram && window.Telegram.WebApp && window.Telegram.WebApp.initData) || "";
  if (!initData) {
    var waiting = document.querySelector("[data-telegram-waiting]");
    if (waiting) waiting.hidden = true;
    return;
  }
  var missing = document.querySelector("[data-telegram-missing]");
  if (missing) missing.hidden = true;
  form.elements.init_data.value = initData;
  form.submit();
})();
