// The bell in the header and @mentions in comments and outcomes.
//
// The bell: the board's version poll (board.html, every 15 s) answers with
// X-Unread-Notices; this keeps the bell's count and name in step with it, so
// the bell needs no poll of its own. Other pages show the count they loaded.
//
// @mentions: typing @ in a textarea marked data-mentions offers the team's
// writers (fetched once from the panel's data-writers-url) in a listbox, the
// ARIA combobox pattern: up and down move, Enter or Tab inserts the handle,
// Escape closes. Without this file the textarea is a plain textarea and
// typing the handle by hand works the same.
(function () {
  "use strict";

  // ---- the bell -------------------------------------------------------------

  function showCount(label) {
    var bell = document.getElementById("bell");
    if (!bell) return;
    var none = label === "0";
    bell.setAttribute("aria-label", "Notifications, " + label + " unread");
    bell.classList.toggle("bell--unread", !none);
    var badge = bell.querySelector(".bell__count");
    if (badge) {
      badge.textContent = label;
      badge.hidden = none;
    }
  }

  document.addEventListener("htmx:afterRequest", function (event) {
    var xhr = event.detail && event.detail.xhr;
    var label = xhr && xhr.getResponseHeader("X-Unread-Notices");
    if (label) showCount(label);
  });

  // ---- @mention autocomplete ------------------------------------------------

  var MAX_SHOWN = 8;
  var writers = {}; // url -> Promise of [{handle, name}]
  var counter = 0;

  function load(url) {
    if (!writers[url]) {
      writers[url] = fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) throw new Error("writers " + response.status);
          return response.json();
        })
        .then(function (data) { return data.writers || []; })
        .catch(function () {
          delete writers[url]; // try again on the next @
          return [];
        });
    }
    return writers[url];
  }

  // The "@dan" being typed just before the caret, or null.
  function typed(area) {
    var before = area.value.slice(0, area.selectionStart);
    var match = /(^|[^\w@.+-])@([\w.+-]*)$/.exec(before);
    if (!match || area.selectionStart !== area.selectionEnd) return null;
    return { query: match[2].toLowerCase(), start: before.length - match[2].length - 1 };
  }

  function matches(people, query) {
    return people.filter(function (person) {
      if (!query) return true;
      if (person.handle.indexOf(query) === 0) return true;
      return person.name.toLowerCase().split(/\s+/).some(function (word) {
        return word.indexOf(query) === 0;
      });
    }).slice(0, MAX_SHOWN);
  }

  function Combo(area) {
    this.area = area;
    this.options = [];
    this.active = -1;
    this.list = document.createElement("ul");
    this.list.id = "mentions-" + (++counter);
    this.list.className = "mentions";
    this.list.setAttribute("role", "listbox");
    this.list.setAttribute("aria-label", "Teammates to mention");
    this.list.hidden = true;
    area.insertAdjacentElement("afterend", this.list);
    area.setAttribute("role", "combobox");
    area.setAttribute("aria-multiline", "true");
    area.setAttribute("aria-autocomplete", "list");
    area.setAttribute("aria-haspopup", "listbox");
    area.setAttribute("aria-controls", this.list.id);
    area.setAttribute("aria-expanded", "false");
    var self = this;
    this.list.addEventListener("mousedown", function (event) {
      event.preventDefault(); // keep the focus (and the caret) in the textarea
    });
    this.list.addEventListener("click", function (event) {
      var option = event.target.closest("[role=option]");
      if (option) self.choose(Number(option.dataset.index));
    });
  }

  Combo.prototype.update = function () {
    var self = this;
    var at = typed(this.area);
    var panel = this.area.closest("[data-writers-url]");
    if (!at || !panel) return this.close();
    load(panel.dataset.writersUrl).then(function (people) {
      var now = typed(self.area);
      if (!now || now.start !== at.start || now.query !== at.query) return;
      self.at = at;
      self.show(matches(people, at.query));
    });
  };

  Combo.prototype.show = function (people) {
    this.options = people;
    this.list.textContent = "";
    if (!people.length) return this.close();
    var self = this;
    people.forEach(function (person, index) {
      var item = document.createElement("li");
      item.id = self.list.id + "-" + index;
      item.className = "mentions__option";
      item.setAttribute("role", "option");
      item.dataset.index = String(index);
      var name = document.createElement("span");
      name.textContent = person.name;
      var handle = document.createElement("span");
      handle.className = "mentions__handle";
      handle.textContent = "@" + person.handle;
      item.append(name, " ", handle);
      self.list.appendChild(item);
    });
    this.list.hidden = false;
    this.area.setAttribute("aria-expanded", "true");
    this.highlight(0);
  };

  Combo.prototype.highlight = function (index) {
    var items = this.list.children;
    if (!items.length) return;
    this.active = (index + items.length) % items.length;
    for (var i = 0; i < items.length; i++) {
      items[i].setAttribute("aria-selected", i === this.active ? "true" : "false");
    }
    this.area.setAttribute("aria-activedescendant", items[this.active].id);
    items[this.active].scrollIntoView({ block: "nearest" });
  };

  Combo.prototype.isOpen = function () {
    return !this.list.hidden;
  };

  Combo.prototype.close = function () {
    this.list.hidden = true;
    this.list.textContent = "";
    this.options = [];
    this.active = -1;
    this.area.setAttribute("aria-expanded", "false");
    this.area.removeAttribute("aria-activedescendant");
  };

  Combo.prototype.choose = function (index) {
    var person = this.options[index];
    var at = this.at;
    if (!person || !at) return this.close();
    var area = this.area;
    var end = area.selectionStart;
    var insert = "@" + person.handle + " ";
    area.value = area.value.slice(0, at.start) + insert + area.value.slice(end);
    var caret = at.start + insert.length;
    area.setSelectionRange(caret, caret);
    area.dispatchEvent(new Event("input", { bubbles: true }));
    this.close();
    area.focus();
  };

  Combo.prototype.keydown = function (event) {
    if (!this.isOpen()) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      this.highlight(this.active + (event.key === "ArrowDown" ? 1 : -1));
    } else if (event.key === "Enter" || event.key === "Tab") {
      event.preventDefault();
      this.choose(this.active);
    } else if (event.key === "Escape") {
      // Closes the list, not the side panel around it.
      event.preventDefault();
      event.stopPropagation();
      this.close();
    }
  };

  function combo(area) {
    if (!area._mentions) area._mentions = new Combo(area);
    return area._mentions;
  }

  function mentionBox(target) {
    return target instanceof HTMLTextAreaElement && target.hasAttribute("data-mentions")
      ? target
      : null;
  }

  document.addEventListener("input", function (event) {
    var area = mentionBox(event.target);
    if (area) combo(area).update();
  });
  // Capturing, so an open list sees Escape before the panel's own handler.
  document.addEventListener("keydown", function (event) {
    var area = mentionBox(event.target);
    if (area && area._mentions) area._mentions.keydown(event);
  }, true);
  document.addEventListener("focusout", function (event) {
    var area = mentionBox(event.target);
    if (area && area._mentions) area._mentions.close();
  });
})();
