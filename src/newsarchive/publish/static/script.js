/* newsarchive: script loader and the simplified/traditional switch.
 * Everything is loaded with <script src> from this site (fetch() is refused on file://
 * pages); nothing is requested from anywhere else. */
(function () {
  "use strict";
  var root = document.body.getAttribute("data-root") || "";
  var loaded = Object.create(null);
  var pending = Object.create(null);

  // Every data file calls NAidx(name, data) when it runs.
  window.NAidx = function (name, data) {
    loaded[name] = data;
    var waiting = pending[name] || [];
    delete pending[name];
    waiting.forEach(function (w) { w.resolve(data); });
  };

  function load(name, path) {
    if (name in loaded) return Promise.resolve(loaded[name]);
    return new Promise(function (resolve, reject) {
      if (pending[name]) { pending[name].push({ resolve: resolve, reject: reject }); return; }
      pending[name] = [{ resolve: resolve, reject: reject }];
      var s = document.createElement("script");
      s.src = root + path;
      s.onerror = function () {
        var waiting = pending[name] || [];
        delete pending[name];
        waiting.forEach(function (w) { w.reject(new Error("cannot load " + path)); });
      };
      document.head.appendChild(s);
    });
  }

  var tables = Object.create(null);
  function charTable(name) {  // "s2t" or "t2s": a string of character pairs
    return load(name, "static/" + name + ".js").then(function (pairs) {
      if (!tables[name]) {
        var m = new Map();
        for (var i = 0; i + 1 < pairs.length; i += 2) m.set(pairs[i], pairs[i + 1]);
        tables[name] = m;
      }
      return tables[name];
    });
  }

  function convert(text, table) {
    var out = "";
    for (var i = 0; i < text.length; i++) {
      var c = text[i];
      out += table.get(c) || c;
    }
    return out;
  }

  function convertTree(node, table) {
    var walker = document.createTreeWalker(node, NodeFilter.SHOW_TEXT, {
      acceptNode: function (n) {
        var p = n.parentNode && n.parentNode.nodeName;
        return p === "SCRIPT" || p === "STYLE" || p === "TEXTAREA" ?
          NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT;
      }
    });
    var n;
    while ((n = walker.nextNode())) {
      var v = convert(n.nodeValue, table);
      if (v !== n.nodeValue) n.nodeValue = v;
    }
  }

  var KEY = "newsarchive-script";
  function preferred() {
    try { return window.localStorage.getItem(KEY); } catch (e) { return null; }
  }
  function remember(v) {
    try { window.localStorage.setItem(KEY, v); } catch (e) { /* private mode: no memory */ }
  }

  var button = document.getElementById("script-switch");
  function label(script) { if (button) button.textContent = script === "hant" ? "简" : "繁"; }

  // Show `node` (default: the whole page) in `script` ("hans" or "hant").
  function applyScript(script, node) {
    if (script !== "hans" && script !== "hant") return Promise.resolve();
    return charTable(script === "hant" ? "s2t" : "t2s").then(function (table) {
      convertTree(node || document.body, table);
      if (!node) {
        document.title = convert(document.title, table);
        document.documentElement.lang = script === "hant" ? "zh-Hant" : "zh-Hans";
        document.body.setAttribute("data-script", script);
      }
    });
  }

  if (button) {
    button.addEventListener("click", function () {
      var next = preferred() === "hant" ? "hans" : "hant";
      remember(next);
      label(next);
      applyScript(next);
    });
  }
  var start = preferred();
  label(start);
  if (start) applyScript(start);

  window.NA = { root: root, load: load, charTable: charTable, convert: convert,
    applyScript: function (node) { return applyScript(preferred(), node); } };
})();
