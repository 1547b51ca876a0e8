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
  // After an htmx swap, focus goes where the person continues: the swapped-in element
  // marked data-focus-after-swap or, when that is a form, its first invalid field, else
  // its first field (a text keeps its cursor at the end). Marks in the page as first
  // served do nothing: htmx fires htmx:load on <body> then, and on each new node after.
  var FIELDS = "input:not([type=hidden]):not([disabled]), select:not([disabled]), " +
    "textarea:not([disabled]), button:not([disabled])";
  document.addEventListener("htmx:load", function (event) {
    var root = event.target;
    if (root === document.body || !root.querySelector) {
      return;
    }
    var marked = root.matches("[data-focus-after-swap]") ? root : root.querySelector("[data-focus-after-swap]");
    if (!marked) {
      return;
    }
    var target = marked;
    if (marked.tagName === "FORM") {
      target = marked.querySelector("[aria-invalid=true]") || marked.querySelector(FIELDS) || marked;
    }
    target.focus();
    if (target.tagName === "TEXTAREA") {
      target.setSelectionRange(target.value.length, target.value.length);
      target.scrollTop = target.scrollHeight;
    }
  });

  // The one live region (#announcements in base.html) reads what the server sends as the
  // portal:announce event (cdp_portal/core/announcements.py). Emptied first and filled a
  // moment later, so that the same sentence twice in a row is read twice.
  var announceTimer = null;
  document.addEventListener("portal:announce", function (event) {
    var region = document.getElementById("announcements");
    if (!region) {
      return;
    }
    region.textContent = "";
    window.clearTimeout(announceTimer);
    announceTimer = window.setTimeout(function () {
      region.textContent = event.detail.value;
    }, 100);
  });

  // Escape closes the account menu (focus back on its summary) and cancels a form that
  // offers it (data-cancel-on-escape on its cancel control, as the checklist editor does).
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || event.defaultPrevented) {
      return;
    }
    var menu = event.target.closest && event.target.closest("details.account-menu[open]");
    if (menu) {
      event.preventDefault();
      menu.removeAttribute("open");
      menu.querySelector("summary").focus();
      return;
    }
    var form = event.target.closest && event.target.closest("form");
    var cancel = form && form.querySelector("[data-cancel-on-escape]");
    if (cancel) {
      event.preventDefault();
      cancel.click();
    }
  });

  // A copy button (partials/feed_subscribe.html) copies the read-only field it names,
  // said through the live region. Shown only where the Clipboard API exists; elsewhere,
  // or when copying is refused, the field's text is selected for the person to copy.
  function setUpCopyButtons() {
    document.querySelectorAll("[data-copy-target]").forEach(function (button) {
      button.hidden = !(navigator.clipboard && window.isSecureContext);
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUpCopyButtons);
  } else {
    setUpCopyButtons();
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-target]");
    var field = button && document.getElementById(button.getAttribute("data-copy-target"));
    if (!field) {
      return;
    }
    function selectField() {
      field.focus();
      field.select();
    }
    navigator.clipboard.writeText(field.value).then(function () {
      document.dispatchEvent(new CustomEvent("portal:announce", {
        detail: {value: button.getAttribute("data-copied")}
      }));
    }, selectField);
  });
})();
