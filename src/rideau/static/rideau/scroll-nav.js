/* A navigation strip that scrolls sideways on a narrow screen: show the current page's link. */
(function () {
  "use strict";
  document.querySelectorAll(".scroll-nav [aria-current='page']").forEach(function (link) {
    var strip = link.closest("ul");
    if (strip && strip.scrollWidth > strip.clientWidth) {
      strip.scrollLeft = link.offsetLeft - (strip.clientWidth - link.offsetWidth) / 2;
    }
  });
})();
