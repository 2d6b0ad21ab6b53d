/* The page beacon: a storefront page writes nothing when it is read (the same cached bytes serve
 * every anonymous visitor), so once it has loaded this posts what the shop counts: the page the
 * shopper landed on (with its utm_* tags), the site that sent them and the offers the page showed.
 * It sets no cookie: a visitor's session starts only with something they do. A page seen again
 * from the back/forward cache is not a new view.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !navigator.sendBeacon) { return; }
  var endpoint = script.getAttribute("data-beacon");
  var offers = script.getAttribute("data-offers") || "";

  function send() {
    var body = new URLSearchParams();
    body.set("page", location.pathname + location.search);
    body.set("referrer", document.referrer || "");
    body.set("offers", offers);
    navigator.sendBeacon(endpoint, body);
  }

  if (document.readyState === "complete") { send(); } else { window.addEventListener("load", send, { once: true }); }
})();
