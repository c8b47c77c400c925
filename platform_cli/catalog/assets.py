"""The site's stylesheet and its one script: search over the index in `assets/index.js`.

The script builds results with `textContent` and DOM nodes, never `innerHTML`, so an
indexed description cannot become markup.
"""

from __future__ import annotations

CSS = """\
:root { --fg: #1b1f24; --muted: #4a5360; --bg: #ffffff; --line: #c9d1d9; --accent: #0b5cad;
  --md: #7a3e00; --pd: #a4002b; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; padding: .5rem 1rem;
  border-bottom: 1px solid var(--line); }
header nav a { margin-right: .8rem; }
a { color: var(--accent); }
a:focus, input:focus, svg a:focus rect { outline: 3px solid #f59e0b; outline-offset: 2px; }
.brand { font-weight: 700; color: var(--fg); text-decoration: none; }
.skip { position: absolute; left: -999px; } .skip:focus { left: 1rem; top: .5rem; background: #fff; }
main { padding: 1rem; max-width: 80rem; }
table { border-collapse: collapse; margin: .5rem 0 1.5rem; }
th, td { border: 1px solid var(--line); padding: .25rem .5rem; text-align: left; vertical-align: top; }
caption { text-align: left; font-weight: 600; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
dt { font-weight: 600; } dd { margin: 0; }
pre { background: #f3f5f7; padding: .5rem; overflow: auto; max-height: 40rem; }
pre.wrap { white-space: pre-wrap; overflow-wrap: anywhere; }
.search { position: relative; margin-left: auto; }
.search input { width: 22rem; max-width: 70vw; padding: .25rem .4rem; }
#search-results { position: absolute; right: 0; z-index: 2; background: #fff; list-style: none;
  margin: 0; padding: 0; width: 30rem; max-width: 90vw; max-height: 70vh; overflow: auto; }
#search-results:not(:empty) { border: 1px solid var(--line); }
#search-results li { padding: .3rem .5rem; border-bottom: 1px solid var(--line); }
#search-results small { display: block; color: var(--muted); }
.up { color: var(--pd); } .down { color: #17612a; } .same { color: var(--muted); }
.badge { display: inline-block; padding: 0 .4rem; border-radius: .3rem; font-size: .8rem;
  border: 1px solid currentColor; margin-left: .3rem; }
.badge.md { color: var(--md); } .badge.pd { color: var(--pd); }
.soon { font-weight: 700; color: var(--pd); }
.muted { color: var(--muted); }
meter { width: 10rem; }
.map { overflow: auto; border: 1px solid var(--line); }
.map svg { display: block; }
.map .team { fill: #f6f8fa; stroke: #8c959f; }
.map .team-label { font-weight: 700; font-size: 13px; fill: var(--fg); }
.map .node rect { fill: #ffffff; stroke: #57606a; stroke-width: 1.2; }
.map .node.critical rect { stroke: #a4002b; stroke-width: 2.5; }
.map .node.master rect { fill: #fff4e5; }
.map .node text { font-size: 12px; fill: var(--fg); }
.map .node .meta { font-size: 10px; fill: var(--muted); }
.map .node .pd { fill: var(--pd); font-weight: 700; }
.map .edge { fill: none; stroke: #57606a; stroke-width: 1; marker-end: url(#arrow);
  pointer-events: none; }
.map .edge.depends { stroke: #0b5cad; stroke-dasharray: 4 3; }
.legend li { margin: .2rem 0; }
"""

SEARCH_JS = """\
'use strict';
(function () {
  var PARTS = @PARTS@;
  var input = document.getElementById('search');
  var list = document.getElementById('search-results');
  var root = document.body.getAttribute('data-root') || '';
  var loaded = 0;
  var asked = false;
  // Enter pressed before the index arrived: follow the first result once it is shown
  var follow = false;
  if (!input || !list) { return; }
  // The index is loaded on first use, in parts, so no page carries it
  function load() {
    if (asked) { return; }
    asked = true;
    window.CATALOG_INDEX = [];
    for (var i = 0; i < PARTS; i++) {
      var script = document.createElement('script');
      script.src = root + 'assets/index-' + i + '.js';
      script.onload = function () {
        loaded++;
        if (loaded === PARTS) { show(input.value); if (follow) { go(); } }
      };
      document.head.appendChild(script);
    }
  }
  function go() {
    var first = list.querySelector('a');
    if (first) { first.click(); }
  }
  document.getElementById('search-form').addEventListener('submit', function (e) {
    e.preventDefault();
    if (loaded < PARTS) { follow = true; load(); return; }
    go();
  });
  function show(query) {
    while (list.firstChild) { list.removeChild(list.firstChild); }
    var words = query.toLowerCase().split(/\\s+/).filter(Boolean);
    if (!words.length || loaded < PARTS) { return; }
    var index = window.CATALOG_INDEX;
    var shown = 0;
    for (var i = 0; i < index.length && shown < 50; i++) {
      var entry = index[i];
      var text = entry[5];
      if (!words.every(function (w) { return text.indexOf(w) !== -1; })) { continue; }
      var item = document.createElement('li');
      var a = document.createElement('a');
      a.href = root + entry[0];
      a.textContent = entry[1] + ' ' + entry[2];
      var small = document.createElement('small');
      small.textContent = entry[3] + (entry[4] ? ' · ' + entry[4] : '');
      item.appendChild(a);
      item.appendChild(small);
      list.appendChild(item);
      shown++;
    }
    if (!shown) {
      var none = document.createElement('li');
      none.textContent = 'Nothing matches.';
      list.appendChild(none);
    }
  }
  input.addEventListener('focus', load);
  input.addEventListener('input', function () { load(); show(input.value); });
})();
"""


def search_js(parts: int) -> str:
    return SEARCH_JS.replace("@PARTS@", str(parts))
