// Small enhancements only: every page works without this file.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var printButton = event.target.closest("[data-print]");
    if (printButton) {
      event.preventDefault();
      window.print();
    }
  });
  // The phone header's menu: without JavaScript two links open and close it through
  // :target (partials/header.html); here a real button with aria-expanded takes over.
  function setUpSiteMenu() {
    var header = document.querySelector(".site-header");
    var button = header && header.querySelector("[data-site-menu-button]");
    var menu = button && document.getElementById(button.getAttribute("aria-controls"));
    if (!menu) {
      return;
    }
    function setOpen(open) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
      header.classList.toggle("site-header--menu-open", open);
    }
    header.querySelectorAll("[data-site-menu-link]").forEach(function (link) {
      link.hidden = true;
    });
    header.classList.add("site-header--js");
    button.hidden = false;
    setOpen(window.location.hash === "#" + menu.id);
    button.addEventListener("click", function () {
      setOpen(button.getAttribute("aria-expanded") !== "true");
    });
    header.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true"
          && button.offsetParent !== null && menu.contains(event.target)
          && !event.target.closest("details[open]")) {
        setOpen(false);
        button.focus();
      }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUpSiteMenu);
  } else {
    setUpSiteMenu();
  }

  // A link to an item inside a closed <details> (the readiness page's "what is missing")
  // opens it, where the browser does not do so itself.
  function openTargetDetails() {
    var id = decodeURIComponent(window.location.hash.slice(1));
    var target = id && document.getElementById(id);
    for (var node = target; node; node = node.parentElement) {
      if (node.tagName === "DETAILS") {
        node.open = true;
      }
    }
  }
  window.addEventListener("hashchange", openTargetDetails);
  document.addEventListener("DOMContentLoaded", openTargetDetails);

  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });
})();
