/* newsarchive: QR code of an article's share link, drawn in the page.
 * Byte mode, error correction level L, mask pattern 0, versions 1-20 (links up to 858
 * bytes). Drawing it here instead of at build time saves ~5 ms per article when
 * publishing (segno) and ~2 KB per page; tests compare the matrix with segno's.
 * Algorithm after ISO/IEC 18004 and Project Nayuki's reference implementation. */
(function () {
  "use strict";
  // Per version: EC block groups [blocks, codewords per block, data codewords per block]
  // for level L (ISO/IEC 18004 Table 9, as listed in segno's consts.ECC).
  var EC_L = [null, [[1,26,19]],[[1,44,34]],[[1,70,55]],[[1,100,80]],[[1,134,108]],
    [[2,86,68]],[[2,98,78]],[[2,121,97]],[[2,146,116]],[[2,86,68],[2,87,69]],[[4,101,81]],
    [[2,116,92],[2,117,93]],[[4,133,107]],[[3,145,115],[1,146,116]],[[5,109,87],[1,110,88]],
    [[5,122,98],[1,123,99]],[[1,135,107],[5,136,108]],[[5,150,120],[1,151,121]],
    [[3,141,113],[4,142,114]],[[3,135,107],[5,136,108]]];
  var MAX_VERSION = 20;

  function utf8(text) {
    var s = unescape(encodeURIComponent(text)), out = [];
    for (var i = 0; i < s.length; i++) out.push(s.charCodeAt(i));
    return out;
  }

  function gfMul(x, y) {
    var z = 0;
    for (var i = 7; i >= 0; i--) {
      z = (z << 1) ^ ((z >>> 7) * 0x11d);
      z ^= ((y >>> i) & 1) * x;
    }
    return z;
  }

  function rsDivisor(degree) {
    var result = [], root = 1, i, j;
    for (i = 0; i < degree - 1; i++) result.push(0);
    result.push(1);
    for (i = 0; i < degree; i++) {
      for (j = 0; j < result.length; j++) {
        result[j] = gfMul(result[j], root);
        if (j + 1 < result.length) result[j] ^= result[j + 1];
      }
      root = gfMul(root, 0x02);
    }
    return result;
  }

  function rsRemainder(data, divisor) {
    var result = divisor.map(function () { return 0; });
    data.forEach(function (b) {
      var factor = b ^ result.shift();
      result.push(0);
      divisor.forEach(function (coef, i) { result[i] ^= gfMul(coef, factor); });
    });
    return result;
  }

  function capacity(version) {  // data codewords
    return EC_L[version].reduce(function (n, g) { return n + g[0] * g[2]; }, 0);
  }

  function codewords(bytes) {
    var version = 1;
    for (; version <= MAX_VERSION; version++) {
      var ccBits = version < 10 ? 8 : 16;
      if (4 + ccBits + 8 * bytes.length <= capacity(version) * 8) break;
    }
    if (version > MAX_VERSION) return null;
    var bits = [];
    var put = function (value, n) { for (var i = n - 1; i >= 0; i--) bits.push((value >>> i) & 1); };
    put(4, 4);
    put(bytes.length, version < 10 ? 8 : 16);
    bytes.forEach(function (b) { put(b, 8); });
    var capBits = capacity(version) * 8;
    put(0, Math.min(4, capBits - bits.length));
    put(0, (8 - bits.length % 8) % 8);
    var data = [];
    for (var i = 0; i < bits.length; i += 8) {
      var v = 0;
      for (var k = 0; k < 8; k++) v = (v << 1) | bits[i + k];
      data.push(v);
    }
    for (var pad = 0xec; data.length < capacity(version); pad ^= 0xec ^ 0x11) data.push(pad);
    // Split into blocks, add error correction, interleave.
    var blocks = [], pos = 0;
    EC_L[version].forEach(function (g) {
      for (var b = 0; b < g[0]; b++) {
        var d = data.slice(pos, pos + g[2]);
        pos += g[2];
        blocks.push({ data: d, ecc: rsRemainder(d, rsDivisor(g[1] - g[2])) });
      }
    });
    var out = [];
    ["data", "ecc"].forEach(function (part) {
      var longest = Math.max.apply(null, blocks.map(function (bl) { return bl[part].length; }));
      for (var i = 0; i < longest; i++) {
        blocks.forEach(function (bl) { if (i < bl[part].length) out.push(bl[part][i]); });
      }
    });
    return { version: version, codewords: out };
  }

  function alignmentPositions(version, size) {
    if (version === 1) return [];
    var num = Math.floor(version / 7) + 2;
    var step = version === 32 ? 26 : Math.ceil((version * 4 + 4) / (num * 2 - 2)) * 2;
    var result = [6];
    for (var p = size - 7; result.length < num; p -= step) result.splice(1, 0, p);
    return result;
  }

  // The QR matrix of `text`: an array of rows of booleans (true = dark), or null.
  function matrix(text) {
    var enc = codewords(utf8(text));
    if (!enc) return null;
    var version = enc.version, size = version * 4 + 17;
    var m = [], fn = [], r, c, i;
    for (r = 0; r < size; r++) {
      m.push(new Array(size).fill(false));
      fn.push(new Array(size).fill(false));
    }
    var set = function (x, y, dark) { m[y][x] = dark; fn[y][x] = true; };
    for (i = 0; i < size; i++) { set(6, i, i % 2 === 0); set(i, 6, i % 2 === 0); }
    [[3, 3], [size - 4, 3], [3, size - 4]].forEach(function (f) {
      for (var dy = -4; dy <= 4; dy++) {
        for (var dx = -4; dx <= 4; dx++) {
          var d = Math.max(Math.abs(dx), Math.abs(dy)), x = f[0] + dx, y = f[1] + dy;
          if (x >= 0 && x < size && y >= 0 && y < size) set(x, y, d !== 2 && d !== 4);
        }
      }
    });
    var al = alignmentPositions(version, size), n = al.length;
    for (i = 0; i < n; i++) {
      for (var j = 0; j < n; j++) {
        if ((i === 0 && j === 0) || (i === 0 && j === n - 1) || (i === n - 1 && j === 0)) continue;
        for (var dy2 = -2; dy2 <= 2; dy2++) {
          for (var dx2 = -2; dx2 <= 2; dx2++) {
            set(al[i] + dx2, al[j] + dy2, Math.max(Math.abs(dx2), Math.abs(dy2)) !== 1);
          }
        }
      }
    }
    // Format information: level L (01), mask 0, BCH(15,5), XOR 0x5412.
    var data = 1 << 3, rem = data;
    for (i = 0; i < 10; i++) rem = (rem << 1) ^ ((rem >>> 9) * 0x537);
    var fbits = ((data << 10) | rem) ^ 0x5412;
    var bit = function (v, k) { return ((v >>> k) & 1) !== 0; };
    for (i = 0; i <= 5; i++) set(8, i, bit(fbits, i));
    set(8, 7, bit(fbits, 6));
    set(8, 8, bit(fbits, 7));
    set(7, 8, bit(fbits, 8));
    for (i = 9; i < 15; i++) set(14 - i, 8, bit(fbits, i));
    for (i = 0; i < 8; i++) set(size - 1 - i, 8, bit(fbits, i));
    for (i = 8; i < 15; i++) set(8, size - 15 + i, bit(fbits, i));
    set(8, size - 8, true);
    if (version >= 7) {
      var vrem = version;
      for (i = 0; i < 12; i++) vrem = (vrem << 1) ^ ((vrem >>> 11) * 0x1f25);
      var vbits = (version << 12) | vrem;
      for (i = 0; i < 18; i++) {
        var a = size - 11 + (i % 3), b = Math.floor(i / 3);
        set(a, b, bit(vbits, i));
        set(b, a, bit(vbits, i));
      }
    }
    // Data in the two-column zigzag, then mask 0 ((x + y) even) on non-function modules.
    var cw = enc.codewords, k = 0;
    for (var right = size - 1; right >= 1; right -= 2) {
      if (right === 6) right = 5;
      for (var vert = 0; vert < size; vert++) {
        for (var jj = 0; jj < 2; jj++) {
          c = right - jj;
          r = ((right + 1) & 2) === 0 ? size - 1 - vert : vert;
          if (!fn[r][c] && k < cw.length * 8) {
            m[r][c] = bit(cw[k >>> 3], 7 - (k & 7));
            k++;
          }
        }
      }
    }
    for (r = 0; r < size; r++) {
      for (c = 0; c < size; c++) if (!fn[r][c] && (r + c) % 2 === 0) m[r][c] = !m[r][c];
    }
    return m;
  }

  function svg(rows, border) {
    var ns = "http://www.w3.org/2000/svg", size = rows.length + 2 * border, d = "";
    rows.forEach(function (row, y) {
      row.forEach(function (dark, x) {
        if (dark) d += "M" + (x + border) + "," + (y + border) + "h1v1h-1z";
      });
    });
    var el = document.createElementNS(ns, "svg");
    el.setAttribute("viewBox", "0 0 " + size + " " + size);
    el.setAttribute("role", "img");
    el.setAttribute("aria-label", "QR");
    var bg = document.createElementNS(ns, "rect");
    bg.setAttribute("width", String(size));
    bg.setAttribute("height", String(size));
    bg.setAttribute("fill", "#fff");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("d", d);
    path.setAttribute("fill", "#000");
    el.appendChild(bg);
    el.appendChild(path);
    return el;
  }

  window.NAqr = { matrix: matrix, codewords: function (t) { return codewords(utf8(t)); } };
  Array.prototype.forEach.call(document.querySelectorAll("[data-qr]"), function (box) {
    var rows = matrix(box.getAttribute("data-qr"));
    if (rows) box.appendChild(svg(rows, 4));
  });
})();
