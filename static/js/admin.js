// Django admin: the autocomplete fields (select2, e.g. a community's sponsor) named for
// screen readers. select2 hides the labelled <select> and shows a combobox named only by
// the current choice (nothing when empty), a "textbox" with no name, and a search field
// with no label. Loaded deferred by templates/admin/base_site.html: it runs before
// jQuery's ready handlers, so before Django's autocomplete.js builds the widgets.
(function () {
  "use strict";
  var $ = window.django && window.django.jQuery;
  if (!$) {
    return; // No jQuery on this page: no autocomplete either.
  }

  function labelId(select) {
    var label = document.querySelector('label[for="' + select.id + '"]');
    if (!label) {
      return null;
    }
    if (!label.id) {
      label.id = select.id + "_label";
    }
    return label.id;
  }

  // The combobox says the field's label, then the current choice.
  function name(select) {
    var container = select.nextElementSibling;
    var id = labelId(select);
    if (!id || !container || !container.classList.contains("select2")) {
      return;
    }
    var combobox = container.querySelector(".select2-selection");
    var rendered = container.querySelector(".select2-selection__rendered");
    if (!combobox || !rendered) {
      return;
    }
    combobox.setAttribute("aria-labelledby", id + " " + rendered.id);
    // Only the text of the choice, read as part of the combobox's name.
    rendered.removeAttribute("role");
    rendered.removeAttribute("aria-readonly");
  }

  function nameAll(root) {
    $(root).find("select.admin-autocomplete").each(function () {
      name(this);
    });
  }

  // Before select2 is built: its list opens inside <main> (a landmark), not at the end of
  // <body>. The empty forms of inlines get it too, so the rows added from them keep it.
  document.querySelectorAll("select.admin-autocomplete").forEach(function (select) {
    if (!select.hasAttribute("data-dropdown-parent")) {
      select.setAttribute("data-dropdown-parent", "#content-start");
    }
  });

  // After autocomplete.js's own handlers, registered before these.
  $(function () {
    nameAll(document);
  });
  document.addEventListener("formset:added", function (event) {
    nameAll(event.target);
  });

  $(document).on("select2:open", "select.admin-autocomplete", function () {
    var id = labelId(this);
    var combobox = this.nextElementSibling.querySelector(".select2-selection");
    var resultsId = "select2-" + this.id + "-results";
    combobox.setAttribute("aria-controls", resultsId);
    var search = document.querySelector(".select2-container--open .select2-search__field");
    if (search && id) {
      search.setAttribute("aria-labelledby", id);
    }
  });
  $(document).on("select2:close", "select.admin-autocomplete", function () {
    this.nextElementSibling.querySelector(".select2-selection").removeAttribute("aria-controls");
  });
})();
