/* Quantity steppers of the tickets page: "−" and "+" buttons beside each number input.
   Without this script the buttons stay hidden and the number inputs work alone. */
(function () {
  "use strict";
  function clamp(input, value) {
    var min = input.min === "" ? 0 : Number(input.min);
    var max = input.max === "" ? Infinity : Number(input.max);
    return Math.min(max, Math.max(min, value));
  }
  function refresh(input) {
    var value = Number(input.value) || 0;
    var box = input.closest(".stepper");
    box.querySelector('[data-step="-1"]').disabled = value <= clamp(input, -Infinity);
    box.querySelector('[data-step="1"]').disabled = value >= clamp(input, Infinity);
  }
  var total = document.querySelector(".shop-total");
  // the page's language writes the decimals ("75,00" in French), as the server does
  function amount(cents) {
    var lang = document.documentElement.lang || "en";
    try {
      return (cents / 100).toLocaleString(lang, { minimumFractionDigits: 2, maximumFractionDigits: 2, useGrouping: false });
    } catch (e) {
      return (cents / 100).toFixed(2);
    }
  }
  function showTotal() {
    if (!total) return;
    var count = 0;
    var cents = 0;
    document.querySelectorAll("input.qty[data-price]").forEach(function (input) {
      var n = Math.max(0, Math.floor(Number(input.value) || 0));
      count += n;
      cents += n * Math.round(Number(input.dataset.price) * 100);
    });
    total.hidden = count === 0;
    total.textContent = count === 0 ? "" : (total.dataset.template || "{n} × · {total} {currency}")
      .replace("{n}", String(count))
      .replace("{total}", amount(cents))
      .replace("{currency}", total.dataset.currency);
  }
  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("input.qty")) showTotal();
  });
  document.querySelectorAll(".stepper").forEach(function (box) {
    var input = box.querySelector("input");
    if (!input) return;
    box.classList.add("stepper-ready");
    box.querySelectorAll("[data-step]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var next = clamp(input, (Number(input.value) || 0) + Number(button.dataset.step));
        input.value = String(next);
        input.dispatchEvent(new Event("input", { bubbles: true }));
        input.dispatchEvent(new Event("change", { bubbles: true }));
        refresh(input);
      });
    });
    input.addEventListener("input", function () { refresh(input); });
    refresh(input);
  });
  showTotal();
})();
