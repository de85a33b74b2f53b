/* The back office's menu: always open on a wide screen (its "Menu" button is only for phones);
   one group open at a time, closed by Escape or a click elsewhere. */
(function () {
  "use strict";
  var wide = window.matchMedia("(min-width: 768px)");
  var menus = document.querySelectorAll("details[data-open-wide]");
  function follow() {
    menus.forEach(function (menu) { menu.open = wide.matches; });
  }
  follow();
  wide.addEventListener("change", follow);

  var groups = document.querySelectorAll(".bo-group > details");
  function closeGroups(except) {
    groups.forEach(function (group) {
      if (group !== except) { group.open = false; }
    });
  }
  groups.forEach(function (group) {
    group.addEventListener("toggle", function () {
      if (group.open && wide.matches) { closeGroups(group); }
    });
  });
  document.addEventListener("click", function (event) {
    if (wide.matches && !event.target.closest(".bo-group")) { closeGroups(null); }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && wide.matches) {
      var open = document.querySelector(".bo-group > details[open]");
      if (open) { open.open = false; open.querySelector("summary").focus(); }
    }
  });
})();
