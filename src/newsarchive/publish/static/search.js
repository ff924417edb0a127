/* newsarchive offline search.
 * Mirrors newsarchive/publish/tokens.py: NFKC + lower case + traditional→simplified by
 * character, Han runs cut into overlapping bigrams, Latin/digit runs kept as words.
 * A query loads one directory per index segment, the shards holding its terms, and the
 * metadata blocks of the results it shows; nothing else. */
(function () {
  "use strict";
  var META = null;
  var PAGE = 20;
  var TERM = /[\u3400-\u9fff]+|[0-9a-z\u00c0-\u024f]+/g;
  var HAN_FIRST = "\u3400";

  function b64bytes(s) {
    var bin = atob(s);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  function needsT2s(text) {  // any character the t2s table would change?
    var bits = META.tradBits;
    for (var i = 0; i < text.length; i++) {
      var k = text.charCodeAt(i) - 0x3400;
      if (k >= 0 && k < bits.length * 8 && (bits[k >> 3] >> (k & 7)) & 1) return true;
    }
    return false;
  }

  function fold(query) {
    var q = query.normalize("NFKC").toLowerCase();
    if (!needsT2s(q)) return Promise.resolve(q);
    return NA.charTable("t2s").then(function (t) { return NA.convert(q, t); });
  }

  // Spellings that character folding leaves apart (瞭解/了解, 想像/想象): the query's
  // other spellings, as newsarchive/publish/spellings.py computes them (typed one first,
  // at most MAX_SPELLINGS, longest spelling matched first).
  var MAX_SPELLINGS = 8;
  var VARIANTS = null;

  function variantTable(groups) {
    if (VARIANTS) return VARIANTS;
    var of = new Map();
    groups.forEach(function (g) { g.forEach(function (s) { of.set(s, g); }); });
    var all = Array.from(of.keys()).sort(function (a, b) {
      return b.length - a.length || (a < b ? -1 : a > b ? 1 : 0);
    });
    var escape = function (s) { return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); };
    VARIANTS = { of: of, pattern: new RegExp(all.map(escape).join("|"), "g") };
    return VARIANTS;
  }

  function spellings(folded) {
    var chars = META.vchars || "";
    var needed = false;
    for (var i = 0; i < folded.length && !needed; i++) needed = chars.indexOf(folded[i]) >= 0;
    if (!needed) return Promise.resolve([folded]);
    return NA.load("variants", "static/variants.js").then(function (groups) {
      var t = variantTable(groups);
      var parts = [], last = 0, m;
      t.pattern.lastIndex = 0;
      while ((m = t.pattern.exec(folded)) !== null) {
        parts.push([folded.slice(last, m.index)]);
        var others = t.of.get(m[0]).filter(function (s) { return s !== m[0]; }).sort();
        parts.push([m[0]].concat(others));
        last = m.index + m[0].length;
      }
      if (!parts.length) return [folded];
      parts.push([folded.slice(last)]);
      var out = [];
      (function walk(k, prefix) {  // itertools.product order, cut at MAX_SPELLINGS
        if (out.length >= MAX_SPELLINGS) return;
        if (k === parts.length) { out.push(prefix); return; }
        parts[k].forEach(function (p) { walk(k + 1, prefix + p); });
      })(0, "");
      return out;
    });
  }

  function queryTerms(folded) {
    var seen = [];
    var runs = folded.match(TERM) || [];
    runs.forEach(function (run) {
      var add = function (t) { if (seen.indexOf(t) < 0) seen.push(t); };
      if (run[0] >= HAN_FIRST && run.length > 1) {
        for (var i = 0; i + 1 < run.length; i++) add(run.substr(i, 2));
      } else add(run);
    });
    return seen;
  }

  // Index of the shard whose first term is the last one <= term (-1 if none).
  function shardOf(dir, term) {
    var lo = 0, hi = dir.length - 1, ans = -1;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1;
      if (dir[mid] <= term) { ans = mid; lo = mid + 1; } else hi = mid - 1;
    }
    return ans;
  }

  function decode(enc, count) {
    var bytes = b64bytes(enc.slice(1));
    if (enc[0] === "b") return { bitmap: bytes, size: count };
    var view = new DataView(bytes.buffer);
    var list = new Uint32Array(bytes.length / 2);
    for (var i = 0; i < list.length; i++) list[i] = view.getUint16(2 * i, true);
    return { list: list, size: list.length };
  }

  function has(p, d) {
    if (p.bitmap) return ((p.bitmap[d >> 3] >> (d & 7)) & 1) === 1;
    var lo = 0, hi = p.list.length - 1;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1, v = p.list[mid];
      if (v === d) return true;
      if (v < d) lo = mid + 1; else hi = mid - 1;
    }
    return false;
  }

  function union(ps, count) {  // a one-character query: every term starting with it
    var bits = new Uint8Array((count + 7) >> 3);
    ps.forEach(function (p) {
      if (p.bitmap) { for (var i = 0; i < bits.length; i++) bits[i] |= p.bitmap[i]; }
      else p.list.forEach(function (d) { bits[d >> 3] |= 1 << (d & 7); });
    });
    return { bitmap: bits, size: count };
  }

  function segmentShard(seg, k) {
    return NA.load(seg.id + "/p" + k, "search/" + seg.id + "/p" + k + ".js");
  }

  // Postings of one term in a segment, or null when the term does not occur.
  function postings(seg, dir, term) {
    var isPrefix = term.length === 1 && term >= HAN_FIRST;
    var first = shardOf(dir, term);
    if (!isPrefix) {
      if (first < 0) return Promise.resolve(null);
      return segmentShard(seg, first).then(function (shard) {
        return term in shard ? decode(shard[term], seg.count) : null;
      });
    }
    var last = Math.min(shardOf(dir, term + "\uffff"), Math.max(first, 0) + 3);
    var loads = [];
    for (var k = Math.max(first, 0); k <= last; k++) loads.push(segmentShard(seg, k));
    return Promise.all(loads).then(function (shards) {
      var ps = [];
      shards.forEach(function (shard) {
        Object.keys(shard).forEach(function (t) {
          if (t[0] === term) ps.push(decode(shard[t], seg.count));
        });
      });
      return ps.length ? union(ps, seg.count) : null;
    });
  }

  function searchSegment(seg, terms) {
    return NA.load(seg.id + "/dir", "search/" + seg.id + "/dir.js").then(function (dir) {
      return Promise.all(terms.map(function (t) { return postings(seg, dir, t); }));
    }).then(function (ps) {
      if (ps.some(function (p) { return p === null; })) return [];
      ps.sort(function (a, b) { return a.size - b.size; });
      var out = [];
      var firstP = ps[0], rest = ps.slice(1);
      var check = function (d) {
        for (var i = 0; i < rest.length; i++) if (!has(rest[i], d)) return;
        out.push(seg.base + d);
      };
      if (firstP.list) firstP.list.forEach(check);
      else for (var d = 0; d < seg.count; d++) if (has(firstP, d)) check(d);
      return out;
    });
  }

  function search(query) {
    var terms = [];
    return fold(query).then(function (folded) {
      terms = queryTerms(folded);
      if (!terms.length) return [];
      return spellings(folded);
    }).then(function (variants) {
      var searches = [];
      variants.forEach(function (v) {  // every spelling's hits: their union
        var vt = queryTerms(v);
        META.segments.forEach(function (s) { searches.push(searchSegment(s, vt)); });
      });
      return Promise.all(searches);
    }).then(function (lists) {
      var deleted = new Set(META.deleted);
      var docs = Array.from(new Set([].concat.apply([], lists)))
        .filter(function (d) { return !deleted.has(d); });
      docs.sort(function (a, b) { return b - a; });  // newest first
      return { terms: terms, docs: docs };
    });
  }

  function docInfo(d) {
    var b = Math.floor(d / META.block);
    return NA.load("docs/" + b, "search/docs/" + b + ".js").then(function (rows) {
      return rows[d - b * META.block];
    });
  }

  function render(list, docs, from) {
    var slice = docs.slice(from, from + PAGE);
    return Promise.all(slice.map(docInfo)).then(function (rows) {
      var frag = document.createDocumentFragment();
      rows.forEach(function (row) {
        if (!row) return;
        var li = document.createElement("li");
        var a = document.createElement("a");
        a.href = NA.root + row[0];
        a.textContent = row[1];  // textContent: titles are never parsed as HTML
        var meta = document.createElement("span");
        meta.className = "meta";
        meta.textContent = " " + (row[3] ? row[3] + " · " : "") + row[2];
        li.appendChild(a);
        li.appendChild(meta);
        frag.appendChild(li);
      });
      return NA.applyScript(frag).then(function () { list.appendChild(frag); });
    });
  }

  window.NAsearch = { search: search, queryTerms: queryTerms, spellings: spellings };

  NA.load("meta", "search/meta.js").then(function (meta) {
    META = meta;
    META.tradBits = b64bytes(meta.trad);
    var params = new URLSearchParams(window.location.search);
    var q = (params.get("q") || "").trim();
    var input = document.getElementById("q");
    var status = document.getElementById("search-status");
    var list = document.getElementById("search-results");
    var more = document.getElementById("search-more");
    if (!q) return;
    if (input) input.value = q;
    status.textContent = "搜索中…";
    search(q).then(function (res) {
      if (!res.terms.length) { status.textContent = "请输入中文或英文关键词。"; return; }
      status.textContent = "“" + q + "”：" + res.docs.length + " 篇";
      status.setAttribute("data-count", String(res.docs.length));
      var shown = 0;
      var next = function () {
        return render(list, res.docs, shown).then(function () {
          shown += PAGE;
          more.hidden = shown >= res.docs.length;
        });
      };
      more.addEventListener("click", next);
      return next();
    }).catch(function (err) { status.textContent = "搜索失败：" + err.message; });
  });
})();
