// The card payment step: Stripe's Payment Element, confirmed without leaving the page (and so
// without leaving the social tab's frame). The order becomes paid by Stripe's webhook; this page
// only watches the order's status.
(function () {
  "use strict";
  var form = document.querySelector("[data-pay]");
  if (!form) return;
  var data = form.dataset;
  var message = form.querySelector("[data-pay-message]");
  var button = form.querySelector("[data-pay-button]");
  var FAILED = ["requires_payment_method", "canceled"];

  function say(text, kind) {
    message.textContent = text || "";
    message.className = "pay-message" + (kind ? " is-" + kind : "");
  }

  function call(method, url) {
    return fetch(url, { method: method, headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      });
  }

  function watchStatus(triesLeft) {
    call("GET", data.statusUrl).then(function (result) {
      var status = result.ok ? result.body.status : "";
      if (["paid", "fulfilled", "shipped", "delivered"].indexOf(status) >= 0) {
        say(data.msgPaid, "ok");
        window.location.assign(data.trackUrl);
      } else if (status === "cancelled" || status === "refunded") {
        window.location.assign(data.trackUrl);
      } else if (triesLeft > 0) {
        window.setTimeout(function () { watchStatus(triesLeft - 1); }, 1000);
      } else {
        say(data.msgSlow);  // the webhook is late: the order page and the e-mail will tell
      }
    });
  }

  if (typeof window.Stripe !== "function") {
    say(data.msgUnavailable, "error");
    return;
  }

  call("POST", data.paymentUrl).then(function (result) {
    if (!result.ok) {
      say(result.body.error ? result.body.error.message : data.msgUnavailable, "error");
      return;
    }
    var stripe = window.Stripe(result.body.publishable_key || data.publishableKey);
    var secret = result.body.client_secret;
    var confirm;
    if (typeof stripe.confirmPayment === "function") {
      var elements = stripe.elements({ clientSecret: secret });
      elements.create("payment").mount("#payment-element");
      confirm = function () {
        return stripe.confirmPayment({ elements: elements, redirect: "if_required",
                                       confirmParams: { return_url: data.returnUrl } });
      };
    } else {
      // The local Stripe test server's Stripe.js has no Payment Element; its card element and
      // confirmCardPayment stand in for it.
      var card = stripe.elements().create("card");
      card.mount("#payment-element");
      confirm = function () { return stripe.confirmCardPayment(secret, { payment_method: { card: card } }); };
    }
    button.disabled = false;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      button.disabled = true;
      say(data.msgWaiting);
      confirm().then(function (outcome) {
        var intent = outcome.paymentIntent;
        if (outcome.error) {
          say(outcome.error.message || data.msgFailed, "error");
          button.disabled = false;
        } else if (intent && FAILED.indexOf(intent.status) >= 0) {
          // No error, yet the intent wants another card: the local Stripe test server's
          // stand-in answers a failed 3-D Secure check this way (Stripe.js returns an error).
          say(data.msgFailed, "error");
          button.disabled = false;
        } else {
          watchStatus(60);
        }
      }, function () {
        say(data.msgUnavailable, "error");
        button.disabled = false;
      });
    });
  }, function () { say(data.msgUnavailable, "error"); });
})();
