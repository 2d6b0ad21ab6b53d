// Checkout: show the total for the chosen delivery option at once, the address only for a delivery,
// the chosen country's postcode form, and send an order only once.
(function () {
  "use strict";
  // Each step also runs once at start: a shopper on a slow line may choose before this script has
  // loaded, and a browser going back restores the choices without a change event.
  var breakdown = document.querySelector("[data-breakdown]");
  var showTotals = function () {
    var radio = document.querySelector('input[name="shipping_method"]:checked');
    if (!breakdown || !radio) return;
    ["total", "shipping", "tax"].forEach(function (key) {
      var cell = breakdown.querySelector("[data-" + key + "]");
      if (cell && radio.dataset[key]) cell.textContent = radio.dataset[key];
    });
  };
  document.querySelectorAll('input[name="shipping_method"]').forEach(function (radio) {
    radio.addEventListener("change", showTotals);
  });
  showTotals();
  // A pick-up needs no address: its fields are hidden while one is chosen (the server keeps none).
  var address = document.querySelector("[data-address-fields]");
  if (address) {
    var collected = (address.dataset.collected || "").split(" ");
    var showAddress = function () {
      var chosen = document.querySelector('input[name="shipping_method"]:checked');
      address.hidden = !!chosen && collected.indexOf(chosen.value) !== -1;
    };
    document.querySelectorAll('input[name="shipping_method"]').forEach(function (radio) {
      radio.addEventListener("change", showAddress);
    });
    showAddress();
  }
  // The postcode's placeholder shows the chosen country's form (the server judges it either way).
  var postcode = document.querySelector("input[name=postal_code][data-examples]");
  var country = document.querySelector("select[name=country]");
  if (postcode && country) {
    var examples = JSON.parse(postcode.dataset.examples);
    var showExample = function () {
      if (examples[country.value]) postcode.placeholder = examples[country.value];
      else postcode.removeAttribute("placeholder");
    };
    country.addEventListener("change", showExample);
    showExample();
  }
  document.querySelectorAll("form[data-once]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.sent) { event.preventDefault(); return; }
      form.dataset.sent = "1";
      var button = form.querySelector("button[type=submit]");
      if (button) button.disabled = true;
    });
  });
})();
